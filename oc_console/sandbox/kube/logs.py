"""GET pods/{name}/log: container selection, previous, tail, since, timestamps, follow."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import loglines
from .context import Context
from .errors import ApiError
from .loglines import LogSource
from .resources import POD
from .scenarios import CRASHLOOP_IMAGE
from .store import Obj
from .timefmt import parse_rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from .server import Responder

_FOLLOW_POLL = 0.5


def _container(pod: Obj, wanted: str) -> tuple[Obj, Obj]:
    name = pod["metadata"]["name"]
    spec, status = pod["spec"], pod.get("status") or {}
    containers = spec["containers"]
    inits = spec.get("initContainers", [])
    if not wanted:
        default = (pod["metadata"].get("annotations") or {}).get(
            "kubectl.kubernetes.io/default-container"
        )
        if default:
            wanted = default
        elif len(containers) == 1:
            wanted = containers[0]["name"]
        else:
            names = " ".join(c["name"] for c in containers)
            msg = f"a container name must be specified for pod {name}, choose one of: [{names}]"
            if inits:
                msg += f" or one of the init containers: [{' '.join(c['name'] for c in inits)}]"
            raise ApiError.bad_request(msg)
    statuses = status.get("containerStatuses", []) + status.get("initContainerStatuses", [])
    for c in containers + inits:
        if c["name"] == wanted:
            found = next((s for s in statuses if s["name"] == wanted), None)
            if found is None:
                raise ApiError.bad_request(
                    f'container "{wanted}" in pod "{name}" is waiting to start: PodInitializing'
                )
            return c, found
    raise ApiError.bad_request(f"container {wanted} is not valid for pod {name}")


def _signs_wrongly(ctx: Context, pod: Obj) -> bool:
    """The key its ReplicaSet's pods loaded at start is not the platform's (Loaded)."""
    owner = next(iter(pod["metadata"].get("ownerReferences") or ()), None)
    return bool(owner and ctx.mismatching.get(owner["uid"]))


def source(ctx: Context, pod: Obj, container: str, previous: bool) -> LogSource:
    name = pod["metadata"]["name"]
    spec_c, status = _container(pod, container)
    labels = pod["metadata"].get("labels") or {}
    platform = labels.get("openclaw.io/platform", labels.get("app", ""))
    last = (status.get("lastState") or {}).get("terminated")
    state = status.get("state") or {}
    crashing = spec_c["image"] == CRASHLOOP_IMAGE
    common: dict[str, Any] = {
        "pod": name,
        "container": spec_c["name"],
        "platform": platform,
        "crashing": crashing,
        "signature_mismatch": _signs_wrongly(ctx, pod),
        "hostile": "hostile" in ctx.scenarios,
    }
    if previous:
        if not last:
            raise ApiError.bad_request(
                f'previous terminated container "{spec_c["name"]}" in pod "{name}" not found'
            )
        return LogSource(
            start=parse_rfc3339(last["startedAt"]),
            end=parse_rfc3339(last["finishedAt"]),
            ending=last.get("reason"),
            **common,
        )
    if "terminated" in state:
        t = state["terminated"]
        return LogSource(
            start=parse_rfc3339(t["startedAt"]), end=parse_rfc3339(t["finishedAt"]), **common
        )
    if "running" in state:
        anchor = ctx.order_at if name == ctx.order_pod and spec_c["name"] == "adapter" else None
        return LogSource(
            start=parse_rfc3339(state["running"]["startedAt"]),
            end=None,
            order_anchor=anchor,
            **common,
        )
    if crashing and last:
        # A crash-looping container's current log is that of its last run.
        return LogSource(
            start=parse_rfc3339(last["finishedAt"]) - 1,
            end=parse_rfc3339(last["finishedAt"]),
            **common,
        )
    reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
    raise ApiError.bad_request(
        f'container "{spec_c["name"]}" in pod "{name}" is waiting to start: {reason}'
    )


def _render(lines: list[loglines.Line], timestamps: bool) -> bytes:
    if timestamps:
        return b"".join(f"{rfc3339_micro(ts)} {text}\n".encode() for ts, text in lines)
    return b"".join(f"{text}\n".encode() for _, text in lines)


def serve(h: Responder, ctx: Context, namespace: str, name: str, query: dict[str, str]) -> None:
    pod = ctx.store.require(POD, namespace, name).obj
    src = source(ctx, pod, query.get("container", ""), query.get("previous") in ("true", "1"))
    now = time.time()
    since = now - float(query["sinceSeconds"]) if query.get("sinceSeconds") else 0.0
    if query.get("sinceTime"):
        since = max(since, parse_rfc3339(query["sinceTime"]))
    lines = loglines.lines(src, since, now)
    if query.get("tailLines"):
        tail = int(query["tailLines"])
        lines = lines[-tail:] if tail > 0 else []
    timestamps = query.get("timestamps") in ("true", "1")
    body = _render(lines, timestamps)
    if query.get("limitBytes"):
        body = body[: int(query["limitBytes"])]
    if query.get("follow") not in ("true", "1") or src.end is not None:
        h.send_bytes(200, body, "text/plain")
        return
    h.start_stream("text/plain")
    if body:
        h.chunk(body)
    shown = now
    while not h.server.stopping.wait(_FOLLOW_POLL):
        if ctx.store.get(POD, namespace, name) is None:
            break
        later = time.time()
        fresh = loglines.lines(src, shown, later)
        shown = later
        if fresh:
            h.chunk(_render(fresh, timestamps))
    h.end_stream()
