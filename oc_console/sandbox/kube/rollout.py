"""Pure rollout arithmetic of the deployment controller: replica targets and status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .timefmt import parse_rfc3339

Obj = dict[str, Any]


def _bound(value: Any, desired: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = desired * int(value[:-1]) / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value or 0)


def surge_and_unavailable(deployment: Obj) -> tuple[int, int]:
    desired = int(deployment["spec"].get("replicas", 1))
    rolling = (deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    surge = _bound(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = _bound(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    # The controller refuses to make no progress at all: one of the two must allow a step.
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


@dataclass
class RsCount:
    """One ReplicaSet as the controller sees it this tick."""

    name: str
    revision: int
    replicas: int
    pods: int
    ready: int


def new_rs_target(desired: int, surge: int, new: RsCount, olds: list[RsCount]) -> int:
    if not any(o.replicas for o in olds):
        return desired
    if new.replicas >= desired:
        return desired
    total = new.replicas + sum(o.replicas for o in olds)
    return new.replicas + max(0, min(desired + surge - total, desired - new.replicas))


def old_rs_targets(
    desired: int, unavailable: int, new: RsCount, olds: list[RsCount]
) -> dict[str, int]:
    """Scale old ReplicaSets down, oldest first, never below the minimum availability."""
    ready = new.ready + sum(o.ready for o in olds)
    budget = max(0, ready - (desired - unavailable))
    targets: dict[str, int] = {}
    for old in sorted(olds, key=lambda o: o.revision):
        if not old.replicas:
            continue
        # Pods that are not ready count against nothing: they can always go.
        unready = max(0, old.pods - old.ready)
        cut = min(old.replicas, unready + budget)
        budget -= max(0, cut - unready)
        targets[old.name] = old.replicas - cut
    return targets


def deployment_status(
    deployment: Obj, new: RsCount, olds: list[RsCount], now: str, now_epoch: float
) -> Obj:
    desired = int(deployment["spec"].get("replicas", 1))
    _, unavailable = surge_and_unavailable(deployment)
    total = new.pods + sum(o.pods for o in olds)
    ready = new.ready + sum(o.ready for o in olds)
    status: Obj = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": total,
        "updatedReplicas": new.pods,
        "readyReplicas": ready,
        "availableReplicas": ready,
    }
    if desired - ready > 0:
        status["unavailableReplicas"] = desired - ready
    old_status = deployment.get("status") or {}
    progressed = any(status.get(k) != old_status.get(k) for k in status)
    old_conds = {c["type"]: c for c in old_status.get("conditions", [])}

    def condition(kind: str, ok: bool, reason: str, message: str, touch: bool) -> Obj:
        previous = old_conds.get(kind, {})
        same = previous.get("reason") == reason and previous.get("status") == str(ok)
        return {
            "type": kind,
            "status": "True" if ok else "False",
            "lastUpdateTime": now if touch or not same else previous.get("lastUpdateTime", now),
            "lastTransitionTime": previous.get("lastTransitionTime", now)
            if previous.get("status") == ("True" if ok else "False")
            else now,
            "reason": reason,
            "message": message,
        }

    available = ready >= desired - unavailable
    conds = [
        condition(
            "Available",
            available,
            "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if available
            else "Deployment does not have minimum availability.",
            touch=False,
        )
    ]
    rs = f'ReplicaSet "{new.name}"'
    complete = new.pods == desired and total == desired and ready >= desired
    progressing = old_conds.get("Progressing", {})
    deadline = int(deployment["spec"].get("progressDeadlineSeconds", 600))
    last_progress = _epoch(progressing.get("lastUpdateTime"), now_epoch)
    if complete:
        conds.append(
            condition(
                "Progressing",
                True,
                "NewReplicaSetAvailable",
                f"{rs} has successfully progressed.",
                touch=progressed,
            )
        )
    elif not progressed and now_epoch - last_progress > deadline:
        conds.append(
            condition(
                "Progressing",
                False,
                "ProgressDeadlineExceeded",
                f"{rs} has timed out progressing.",
                touch=False,
            )
        )
    else:
        conds.append(
            condition(
                "Progressing", True, "ReplicaSetUpdated", f"{rs} is progressing.", touch=progressed
            )
        )
    status["conditions"] = conds
    return status


def _epoch(stamp: str | None, default: float) -> float:
    return parse_rfc3339(stamp) if stamp else default
