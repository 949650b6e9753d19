"""Tempo: TraceQL search by span attribute, then each trace as OTLP protobuf."""

from __future__ import annotations

import asyncio
from datetime import datetime

from oc_console.config import TracesConfig
from oc_console.domain.orders import Trace
from oc_console.errors import SourceError
from oc_console.sources.traces import client as http
from oc_console.sources.traces import otlp

PROTOBUF = "application/protobuf"


def order_query(order_id: str) -> str:
    return f"{{ span.order_id = {http.traceql_string(order_id)} }}"


def parse_search(doc: object) -> list[str]:
    """Trace ids (32 hex digits) of a /api/search answer; Tempo drops leading zeros."""
    if not isinstance(doc, dict):
        raise SourceError("Tempo search: the answer is not a JSON object")
    ids = []
    for t in doc.get("traces") or []:
        raw = t.get("traceID") if isinstance(t, dict) else None
        if not isinstance(raw, str) or not raw or len(raw) > 32:
            raise SourceError("Tempo search: a result without a valid traceID")
        try:
            ids.append(bytes.fromhex(raw.zfill(32)).hex())
        except ValueError:
            raise SourceError(f"Tempo search: traceID {raw[:40]!r} is not hex") from None
    return ids


class TempoTraces:
    kind = "tempo"

    def __init__(self, config: TracesConfig) -> None:
        self.config = config
        self._client = http.make_client(config)

    async def search(self, order_id: str, start: datetime, end: datetime) -> list[str]:
        params = {
            "q": order_query(order_id),
            "start": str(int(start.timestamp())),
            "end": str(int(end.timestamp()) + 1),
            "limit": str(self.config.search_limit),
        }
        response = await http.get(self._client, "/api/search", params, "application/json")
        if response.status_code == 404:
            raise SourceError(f"{http.where(self.config.url or '')}: no /api/search (not Tempo?)")
        return parse_search(http.json_body(response))

    async def trace(self, trace_id: str) -> Trace | None:
        """The trace, or None when Tempo does not have it."""
        path = f"/api/v2/traces/{trace_id}" if self.config.tempo_v2 else f"/api/traces/{trace_id}"
        response = await http.get(self._client, path, None, PROTOBUF)
        if response.status_code == 404:
            return None
        data = response.content
        if self.config.tempo_v2:
            data = otlp.unwrap_v2(data)
        # a 20k-span trace takes a good part of a second: never on the UI's event loop
        traces = await asyncio.to_thread(otlp.parse_protobuf, data)
        found = [t for t in traces if t.trace_id == trace_id]
        return found[0] if found else None

    async def ping(self) -> str:
        response = await http.get(self._client, "/api/echo", None, "text/plain")
        if response.status_code == 404:
            raise SourceError(f"{http.where(self.config.url or '')}: /api/echo not found")
        return "tempo"

    async def close(self) -> None:
        await self._client.aclose()
