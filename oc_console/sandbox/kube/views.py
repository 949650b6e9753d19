"""Small read-only records of the fleet for the sandbox's metrics exporter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .store import Obj

_UNITS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}
_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)([A-Za-z]*)$")


@dataclass(frozen=True)
class PodView:
    namespace: str
    pod: str
    container: str
    platform: str
    memory_limit_bytes: int | None
    restarts: int
    last_terminated_reason: str | None


def quantity_bytes(text: str | None) -> int | None:
    match = _QUANTITY.match(text or "")
    if match is None or match.group(2) not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def pod_views(pod: Obj) -> list[PodView]:
    meta = pod["metadata"]
    platform = (meta.get("labels") or {}).get("openclaw.io/platform", "")
    statuses = {s["name"]: s for s in (pod.get("status") or {}).get("containerStatuses", [])}
    views = []
    for container in pod["spec"]["containers"]:
        status = statuses.get(container["name"], {})
        terminated = (status.get("lastState") or {}).get("terminated") or {}
        limits = (container.get("resources") or {}).get("limits") or {}
        views.append(
            PodView(
                namespace=meta["namespace"],
                pod=meta["name"],
                container=container["name"],
                platform=platform,
                memory_limit_bytes=quantity_bytes(limits.get("memory")),
                restarts=int(status.get("restartCount", 0)),
                last_terminated_reason=terminated.get("reason"),
            )
        )
    return views
