"""Jaeger api_v3 over HTTP: FindTraces by attribute and GetTrace, both OTLP JSON with hex ids."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx

from oc_console.config import TracesConfig
from oc_console.domain.orders import Trace
from oc_console.errors import SourceError
from oc_console.sources.traces import client as http
from oc_console.sources.traces import otlp
from oc_console.sources.traces.tempo import TempoTraces


def _rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def find_params(
    order_id: str, start: datetime, end: datetime, service: str, limit: int
) -> dict[str, str]:
    return {
        "query.service_name": service,
        # a JSON object: the ID is a JSON string value, never spliced into a query language
        "query.attributes": json.dumps({"order_id": order_id}, ensure_ascii=False),
        "query.start_time_min": _rfc3339(start),
        "query.start_time_max": _rfc3339(end),
        "query.num_traces": str(limit),
    }


def _parse(response: httpx.Response) -> list[Trace]:
    """JSON decoding and parsing, both in a worker thread for a big trace."""
    return otlp.parse_json(http.json_body(response))


class JaegerTraces:
    kind = "jaeger"

    def __init__(self, config: TracesConfig) -> None:
        self.config = config
        self._client = http.make_client(config)
        self._found: dict[str, Trace] = {}

    async def search(self, order_id: str, start: datetime, end: datetime) -> list[str]:
        params = find_params(
            order_id, start, end, self.config.jaeger_service, self.config.search_limit
        )
        response = await http.get(self._client, "/api/v3/traces", params, "application/json")
        if response.status_code == 404:  # api_v3 answers 404 for "no traces found"
            return []
        # FindTraces returns whole traces: keep them so trace() asks nothing more
        traces = await asyncio.to_thread(_parse, response)
        self._found = {t.trace_id: t for t in traces}
        return [t.trace_id for t in traces]

    async def trace(self, trace_id: str) -> Trace | None:
        if trace_id in self._found:
            return self._found[trace_id]
        response = await http.get(
            self._client, f"/api/v3/traces/{trace_id}", None, "application/json"
        )
        if response.status_code == 404:
            return None
        found = [t for t in await asyncio.to_thread(_parse, response) if t.trace_id == trace_id]
        return found[0] if found else None

    async def ping(self) -> str:
        response = await http.get(self._client, "/api/v3/services", None, "application/json")
        if response.status_code == 404:
            raise SourceError(f"{http.where(self.config.url or '')}: /api/v3/services not found")
        return "jaeger"

    async def close(self) -> None:
        await self._client.aclose()


def traces_backend(config: TracesConfig) -> TempoTraces | JaegerTraces:
    return JaegerTraces(config) if config.kind == "jaeger" else TempoTraces(config)
