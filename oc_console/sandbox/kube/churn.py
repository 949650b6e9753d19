"""Slow background change, so watches see traffic: lease renewals, OOM restarts, heartbeats."""

from __future__ import annotations

import itertools
import time

from .objects import ContainerState, pod_status
from .resources import LEASE, POD
from .scenarios import NAMESPACE
from .store import Obj, Store
from .timefmt import now_rfc3339, parse_rfc3339, rfc3339_micro

HEARTBEAT = "openclaw.io/last-heartbeat"
OOM_APP = "openclaw-adapter-amazon"


class Churn:
    def __init__(self, store: Store, oom: bool, interval: float) -> None:
        self._store = store
        self._oom = oom
        self._interval = interval
        self._next = time.monotonic() + interval
        self._turn = itertools.count()

    def tick(self) -> None:
        if time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self._interval
        self._store.mutate(LEASE, NAMESPACE, "openclaw-queue-leader", _renew)
        pods = sorted(self._store.query(POD, NAMESPACE)[0], key=lambda p: p.name)
        if self._oom:
            # Only the pods that were already being OOM-killed keep dying; fresh ones are fine.
            victims = [
                p
                for p in pods
                if p.labels.get("app") == OOM_APP and _last_reason(p.obj) == "OOMKilled"
            ]
            if victims:
                victim = victims[next(self._turn) % len(victims)]
                self._store.mutate(POD, NAMESPACE, victim.name, _oom_restart)
                return
        if pods:
            pod = pods[next(self._turn) % len(pods)]
            self._store.mutate(POD, NAMESPACE, pod.name, _heartbeat)


def _last_reason(pod: Obj) -> str | None:
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    terminated = (statuses[0].get("lastState") or {}).get("terminated") or {}
    reason = terminated.get("reason")
    return str(reason) if reason else None


def _renew(lease: Obj) -> bool:
    lease["spec"]["renewTime"] = rfc3339_micro(time.time())
    return True


def _heartbeat(pod: Obj) -> bool:
    pod["metadata"].setdefault("annotations", {})[HEARTBEAT] = now_rfc3339()
    return True


def _oom_restart(pod: Obj) -> bool:
    main = pod["status"]["containerStatuses"][0]
    now = time.time()
    state = ContainerState(
        restarts=int(main["restartCount"]) + 1,
        last_reason="OOMKilled",
        last_exit=137,
        last_finished=now,
    )
    pod["status"] = pod_status(pod, state, parse_rfc3339(pod["status"]["startTime"]))
    return True
