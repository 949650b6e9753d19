"""A stand-in for Prometheus when no binary is installed: it answers exactly the console's
catalog (`/api/v1/query`, `/api/v1/query_range`) from the sandbox model, with a warning on
every answer so the console says in its header that these are not a real Prometheus's numbers.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

from oc_console.domain.metrics import STAND_IN_PREFIX
from oc_console.sources.promql import (
    FAILURE_WINDOW_SECONDS,
    P95,
    RATE_WINDOW,
    Query,
    catalog,
    platform_of_pod,
)

from .http import LocalServer, QuietHandler
from .model import FleetModel, SandboxPod

Point = tuple[dict[str, str], float]


def start_stand_in(model: FleetModel, reason: str) -> LocalServer:
    warning = f"{STAND_IN_PREFIX} {reason}; the sandbox's model answers the console's queries"

    class StandIn(QuietHandler):
        def do_GET(self) -> None:
            self._answer(parse_qs(urlsplit(self.path).query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            self._answer({**parse_qs(urlsplit(self.path).query), **form})

        def _answer(self, params: dict[str, list[str]]) -> None:
            path = urlsplit(self.path).path
            if path not in ("/api/v1/query", "/api/v1/query_range"):
                self._json(404, _error("not_found", f"the stand-in does not serve {path}"))
                return
            pods = model.pods()
            query, spaces = _known(pods).get(params.get("query", [""])[0], (None, ()))
            if query is None or bool(query.range_seconds) != path.endswith("_range"):
                message = "the stand-in answers only the console's catalog"
                self._json(400, _error("bad_data", message))
                return
            pods = [
                p for p in pods if platform_of_pod(p.pod) and (not spaces or p.namespace in spaces)
            ]
            if query.range_seconds:
                span = (
                    float(params["start"][0]),
                    float(params["end"][0]),
                    float(params["step"][0]),
                )
                data = {"resultType": "matrix", "result": _matrix(model, pods, query, span)}
            else:
                t = float(params["time"][0]) if "time" in params else time.time()
                points = _instant(model, pods, query, t)
                result = [{"metric": m, "value": [t, repr(v)]} for m, v in points]
                data = {"resultType": "vector", "result": result}
            self._json(200, {"status": "success", "data": data, "warnings": [warning]})

        def _json(self, status: int, body: dict[str, object]) -> None:
            self.reply(status, json.dumps(body).encode(), "application/json")

    return LocalServer(StandIn)


def _known(pods: list[SandboxPod]) -> dict[str, tuple[Query, tuple[str, ...]]]:
    """The catalog for the namespaces a console is likely to ask about: all of the fleet's,
    each one alone, or none (every namespace)."""
    spaces = sorted({p.namespace for p in pods})
    choices = [tuple(spaces), (), *((n,) for n in spaces)]
    return {q.promql: (q, ns) for ns in choices for q in catalog(ns)}


def _seconds(duration: str) -> float:
    """A PromQL duration of one unit, such as the catalog's `5m`."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return float(duration[:-1]) * units[duration[-1]]


def _error(kind: str, message: str) -> dict[str, object]:
    return {"status": "error", "errorType": kind, "error": message}


def _ids(pod: SandboxPod) -> dict[str, str]:
    return {"namespace": pod.namespace, "pod": pod.pod, "container": pod.container}


def _instant(model: FleetModel, pods: list[SandboxPod], query: Query, t: float) -> list[Point]:
    platforms = sorted(model.platforms(pods))
    match query.name:
        case "requests":
            return [
                ({"platform": p, "status": s}, r)
                for p in platforms
                for s, r in model.status_rates(p).items()
            ]
        case "latency_p95":
            window = _seconds(RATE_WINDOW)
            return [({"platform": p}, model.latency_quantile(p, P95, t, window)) for p in platforms]
        case "queue":
            return [
                ({"__name__": name, "platform": p}, value)
                for p in platforms
                for name, value in zip(
                    ("openclaw_queue_depth", "openclaw_queue_oldest_age_seconds"),
                    model.queue(p, t),
                    strict=True,
                )
            ]
        case "sync_failures":
            return [
                ({"platform": p, "reason": r}, n * FAILURE_WINDOW_SECONDS)
                for p in platforms
                for r, n in model.failure_rates(p).items()
            ]
        case "last_seen":
            return [({"platform": p}, t) for p in platforms]
        case "memory_limit":
            return [(_ids(p), float(p.memory_limit_bytes)) for p in pods]
        case "restarts":
            return [(_ids(p), float(p.restarts)) for p in pods]
        case "terminations":
            return [
                ({**_ids(p), "reason": p.last_terminated_reason}, t)
                for p in pods
                if p.last_terminated_reason
            ]
        case "pgbouncer":
            return []  # the model has no PgBouncer; a real one is scraped by a real Prometheus
    raise KeyError(query.name)


def _matrix(
    model: FleetModel, pods: list[SandboxPod], query: Query, span: tuple[float, float, float]
) -> list[dict[str, object]]:
    start, end, step = span
    times = [start + i * step for i in range(int((end - start) // step) + 1)]
    if query.name == "errors_history":
        out: list[dict[str, object]] = []
        for p in sorted(model.platforms(pods)):
            rates = model.status_rates(p)
            share = sum(r for s, r in rates.items() if s.startswith("5")) / sum(rates.values())
            out.append({"metric": {"platform": p}, "values": [[t, repr(share)] for t in times]})
        return out
    if query.name != "memory":
        raise KeyError(query.name)
    return [
        {"metric": _ids(p), "values": [[t, repr(model.memory(p, t))] for t in times]} for p in pods
    ]
