"""The traces backend as a polled source, so the header shows it like the others: a cheap
request (Tempo's /api/echo, Jaeger's service list) that says whether it answers."""

from __future__ import annotations

from oc_console.config import TracesConfig
from oc_console.sources.traces.jaeger import traces_backend


class TracesProbe:
    name = "traces"

    def __init__(self, config: TracesConfig) -> None:
        self.backend = traces_backend(config)

    async def fetch(self) -> str:
        return await self.backend.ping()

    async def close(self) -> None:
        await self.backend.close()
