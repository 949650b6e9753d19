"""Deployment, ReplicaSet and kubelet behaviour, enough for rollout restart/undo/status/scale."""

from __future__ import annotations

import functools
import time
from typing import Any

from . import objects
from .naming import strip_hash
from .objects import REVISION, ContainerState
from .resources import DEPLOYMENT, EVENT, POD, REPLICASET, Resource
from .rollout import (
    RsCount,
    deployment_status,
    new_rs_target,
    old_rs_targets,
    surge_and_unavailable,
)
from .store import Store, Stored
from .timefmt import now_rfc3339

Obj = dict[str, Any]


def _revision(rs: Obj) -> int:
    return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))


class DeploymentController:
    def __init__(self, store: Store, ready_delay: float, crashing_images: frozenset[str]) -> None:
        self._store = store
        self._ready_delay = ready_delay
        self._crashing = crashing_images
        # Pods this controller created that the "kubelet" has not started yet.
        self._starting: dict[tuple[str, str], tuple[float, float]] = {}
        self._seen_rv = -1

    def tick(self) -> None:
        store = self._store
        with store.cond:
            self._start_pods()
            if store.rv == self._seen_rv:
                return
            # Remember the version before our own writes: they need one more pass, and only a
            # pass that changes nothing lets the controller rest.
            self._seen_rv = store.rv
            self._collect_garbage()
            for d in self._all(DEPLOYMENT):
                self._sync_deployment(d.obj)
            for rs in self._all(REPLICASET):
                self._sync_replicaset(rs.obj)
            for d in self._all(DEPLOYMENT):
                self._sync_status(d.obj)

    def _all(self, res: Resource) -> list[Stored]:
        return self._store.query(res, None)[0]

    def _pods(self, rs: Obj) -> list[Stored]:
        return self._store.owned(POD, rs["metadata"]["uid"])

    def _owned_rs(self, deployment: Obj) -> list[Obj]:
        return [rs.obj for rs in self._store.owned(REPLICASET, deployment["metadata"]["uid"])]

    def _collect_garbage(self) -> None:
        """Background cascading deletion: dependents of a deleted owner go too."""
        for res, owner_res in ((REPLICASET, DEPLOYMENT), (POD, REPLICASET)):
            owners = {o.obj["metadata"]["uid"] for o in self._all(owner_res)}
            for item in self._all(res):
                if item.owner and item.owner not in owners:
                    self._store.delete(res, item.namespace, item.name)

    def _counts(self, rs: Obj) -> RsCount:
        mine = self._pods(rs)
        return RsCount(
            name=rs["metadata"]["name"],
            revision=_revision(rs),
            replicas=int(rs["spec"].get("replicas", 0)),
            pods=len(mine),
            ready=sum(p.ready for p in mine),
        )

    def _sync_deployment(self, d: Obj) -> None:
        meta = d["metadata"]
        ns, name = meta["namespace"], meta["name"]
        owned = self._owned_rs(d)
        top = max((_revision(rs) for rs in owned), default=0)
        new = next(
            (rs for rs in owned if strip_hash(rs["spec"]["template"]) == d["spec"]["template"]),
            None,
        )
        if new is None:
            new = objects.replica_set(d, top + 1, 0, time.time())
            self._store.create(REPLICASET, new)
        elif _revision(new) < top:
            # Rolling back re-uses the old ReplicaSet under the next revision number, as the
            # deployment controller does, so `rollout history` shows it as the latest.
            self._set_rs(new, annotations={REVISION: str(top + 1)})
        revision = str(_revision(self._store.require(REPLICASET, ns, new["metadata"]["name"]).obj))
        if (meta.get("annotations") or {}).get(REVISION) != revision:
            self._store.mutate(
                DEPLOYMENT, ns, name, lambda o: _set_annotation(o, REVISION, revision)
            )
        desired = int(d["spec"].get("replicas", 1))
        surge, unavailable = surge_and_unavailable(d)
        new_count = self._counts(new)
        olds = [self._counts(rs) for rs in owned if rs["metadata"]["uid"] != new["metadata"]["uid"]]
        target = new_rs_target(desired, surge, new_count, olds)
        if target != new_count.replicas:
            self._scale_rs(d, new_count, target)
        targets = old_rs_targets(desired, unavailable, new_count, olds)
        for old in olds:
            old_target = targets.get(old.name, old.replicas)
            if old_target != old.replicas:
                self._scale_rs(d, old, old_target)

    def _scale_rs(self, d: Obj, rs: RsCount, target: int) -> None:
        ns = d["metadata"]["namespace"]
        self._set_rs(self._store.require(REPLICASET, ns, rs.name).obj, replicas=target)
        direction = "up" if target > rs.replicas else "down"
        self._event(
            d,
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {rs.name} from {rs.replicas} to {target}",
            component="deployment-controller",
        )

    def _set_rs(
        self, rs: Obj, replicas: int | None = None, annotations: dict[str, str] | None = None
    ) -> None:
        def change(o: Obj) -> bool:
            if replicas is not None:
                o["spec"]["replicas"] = replicas
                o["metadata"]["generation"] = o["metadata"].get("generation", 1) + 1
            o["metadata"].setdefault("annotations", {}).update(annotations or {})
            return True

        self._store.mutate(REPLICASET, rs["metadata"]["namespace"], rs["metadata"]["name"], change)

    def _sync_replicaset(self, rs: Obj) -> None:
        ns = rs["metadata"]["namespace"]
        mine = self._pods(rs)
        want = int(rs["spec"].get("replicas", 0))
        now = time.time()
        for _ in range(want - len(mine)):
            pod = objects.pod(rs, ContainerState(ready=False, waiting="ContainerCreating"), now)
            self._store.create(POD, pod)
            self._starting[(ns, pod["metadata"]["name"])] = (now, now + self._ready_delay)
            self._event(
                rs,
                "SuccessfulCreate",
                f"Created pod: {pod['metadata']['name']}",
                component="replicaset-controller",
            )
        # Scale down removes pods that are not ready first, then the youngest.
        excess = len(mine) - want
        doomed = (
            sorted(mine, key=lambda p: (p.ready, p.obj["metadata"]["creationTimestamp"]))
            if excess > 0
            else []
        )
        for gone in doomed[: max(0, excess)]:
            name = gone.name
            self._store.delete(POD, ns, name)
            self._starting.pop((ns, name), None)
            self._event(
                rs, "SuccessfulDelete", f"Deleted pod: {name}", component="replicaset-controller"
            )
        mine = self._pods(rs)
        ready = sum(p.ready for p in mine)
        status = {
            "replicas": len(mine),
            "fullyLabeledReplicas": len(mine),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        self._store.mutate(REPLICASET, ns, rs["metadata"]["name"], lambda o: _set_status(o, status))

    def _sync_status(self, d: Obj) -> None:
        meta = d["metadata"]
        current = self._store.require(DEPLOYMENT, meta["namespace"], meta["name"]).obj
        owned = self._owned_rs(current)
        template = current["spec"]["template"]
        new = next((rs for rs in owned if strip_hash(rs["spec"]["template"]) == template), None)
        if new is None:
            return
        olds = [self._counts(rs) for rs in owned if rs is not new]
        status = deployment_status(current, self._counts(new), olds, now_rfc3339(), time.time())
        self._store.mutate(
            DEPLOYMENT, meta["namespace"], meta["name"], lambda o: _set_status(o, status)
        )

    def _start_pods(self) -> None:
        now = time.time()
        for key, (started, ready_at) in list(self._starting.items()):
            if ready_at > now:
                continue
            del self._starting[key]
            self._store.mutate(POD, *key, functools.partial(self._run, started=started))

    def _run(self, pod: Obj, started: float) -> bool:
        crashing = pod["spec"]["containers"][0]["image"] in self._crashing
        state = (
            ContainerState(
                ready=False,
                waiting="CrashLoopBackOff",
                restarts=1,
                last_reason="Error",
                last_exit=1,
                last_finished=time.time(),
            )
            if crashing
            else ContainerState()
        )
        pod["status"] = objects.pod_status(pod, state, started)
        return True

    def _event(self, obj: Obj, reason: str, message: str, component: str) -> None:
        self._store.create(
            EVENT, objects.event(obj, reason, message, time.time(), component=component)
        )


def _set_annotation(obj: Obj, key: str, value: str) -> bool:
    obj["metadata"].setdefault("annotations", {})[key] = value
    return True


def _set_status(obj: Obj, status: Obj) -> bool:
    if obj.get("status") == status:
        return False
    obj["status"] = status
    return True
