"""Builders for complete objects: what a real cluster returns, field for field."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from .naming import hex64, image_id, node_for, node_ip, pod_ip, safe_suffix, template_hash
from .timefmt import rfc3339

Obj = dict[str, Any]
REVISION = "deployment.kubernetes.io/revision"


def owner_ref(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


# the deployment controller's annotationsToSkip
_NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)


def replica_set(deployment: Obj, revision: int, replicas: int, created: float) -> Obj:
    """The ReplicaSet the deployment controller makes for the deployment's current template."""
    template = copy.deepcopy(deployment["spec"]["template"])
    pth = template_hash(template)
    template["metadata"].setdefault("labels", {})["pod-template-hash"] = pth
    meta = deployment["metadata"]
    selector = copy.deepcopy(deployment["spec"]["selector"])
    selector.setdefault("matchLabels", {})["pod-template-hash"] = pth
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pth}",
            "namespace": meta["namespace"],
            "uid": str(uuid.uuid4()),
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                # the deployment controller copies the Deployment's own annotations, which
                # `rollout undo` later copies back
                **{
                    k: v for k, v in (meta.get("annotations") or {}).items() if k not in _NOT_COPIED
                },
                "deployment.kubernetes.io/desired-replicas": str(deployment["spec"]["replicas"]),
                "deployment.kubernetes.io/max-replicas": str(deployment["spec"]["replicas"] + 1),
                REVISION: str(revision),
            },
            "ownerReferences": [owner_ref(deployment)],
            "creationTimestamp": rfc3339(created),
            "generation": 1,
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": 0, "observedGeneration": 1},
    }


@dataclass(frozen=True)
class ContainerState:
    """What the kubelet reports for one container; the scenarios vary these."""

    ready: bool = True
    waiting: str | None = None  # ContainerCreating, CrashLoopBackOff
    restarts: int = 0
    last_reason: str | None = None  # OOMKilled, Error
    last_exit: int = 0
    last_finished: float = 0.0


def _running_since(state: ContainerState, started: float) -> float:
    return state.last_finished + 1 if state.last_reason else started + 4


def container_status(
    container: Obj, pod_name: str, state: ContainerState, started: float, init: bool = False
) -> Obj:
    cid = f"containerd://{hex64(pod_name, container['name'], str(state.restarts))}"
    status: Obj = {
        "name": container["name"],
        "image": container["image"],
        "imageID": image_id(container["image"]),
        "ready": state.ready,
        "restartCount": state.restarts,
        "started": state.waiting is None,
        "lastState": {},
    }
    if init:
        status["state"] = {
            "terminated": {
                "exitCode": 0,
                "reason": "Completed",
                "startedAt": rfc3339(started + 2),
                "finishedAt": rfc3339(started + 3),
                "containerID": cid,
            }
        }
        status["started"] = False
        return status
    if state.waiting == "ContainerCreating":
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
        return status
    status["containerID"] = cid
    if state.waiting:
        status["state"] = {
            "waiting": {
                "reason": state.waiting,
                "message": (
                    f"back-off 5m0s restarting failed container={container['name']} "
                    f"pod={pod_name}_openclaw({hex64(pod_name)[:36]})"
                ),
            }
        }
    else:
        status["state"] = {"running": {"startedAt": rfc3339(_running_since(state, started))}}
    if state.last_reason:
        status["lastState"] = {
            "terminated": {
                "exitCode": state.last_exit,
                "reason": state.last_reason,
                # A crash at start-up runs for a second; an OOM kill after minutes of work.
                "startedAt": rfc3339(
                    state.last_finished - (1 if state.last_reason == "Error" else 300)
                ),
                "finishedAt": rfc3339(state.last_finished),
                "containerID": f"containerd://{hex64(pod_name, 'prev', str(state.restarts))}",
            }
        }
    if container.get("resources"):
        status["resources"] = copy.deepcopy(container["resources"])
    return status


def _condition(kind: str, ok: bool, at: float, reason: str | None = None) -> Obj:
    cond: Obj = {
        "type": kind,
        "status": "True" if ok else "False",
        "lastProbeTime": None,
        "lastTransitionTime": rfc3339(at),
    }
    if reason:
        cond["reason"] = reason
    return cond


def pod_status(pod: Obj, state: ContainerState, started: float) -> Obj:
    spec = pod["spec"]
    name = pod["metadata"]["name"]
    node = spec["nodeName"]
    ip = pod_ip(name)
    creating = state.waiting == "ContainerCreating"
    ready_at = _running_since(state, started) + 3
    not_ready = None if state.ready else "ContainersNotReady"
    return {
        "phase": "Pending" if creating else "Running",
        "conditions": [
            _condition("PodReadyToStartContainers", not creating, started + 2),
            _condition("Initialized", True, started + 3),
            _condition("Ready", state.ready, ready_at, not_ready),
            _condition("ContainersReady", state.ready, ready_at, not_ready),
            _condition("PodScheduled", True, started),
        ],
        "hostIP": node_ip(node),
        "hostIPs": [{"ip": node_ip(node)}],
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": rfc3339(started),
        "initContainerStatuses": [
            container_status(c, name, ContainerState(), started, init=True)
            for c in spec.get("initContainers", [])
        ],
        "containerStatuses": [
            # Sidecars keep running whatever happens to the main container.
            container_status(c, name, state if i == 0 else ContainerState(), started)
            for i, c in enumerate(spec["containers"])
        ],
        "qosClass": "Burstable",
    }


def pod(rs: Obj, state: ContainerState, started: float, seed: str = "") -> Obj:
    """A pod of the ReplicaSet with the scheduler's and admission's defaults filled in."""
    template = copy.deepcopy(rs["spec"]["template"])
    rs_name = rs["metadata"]["name"]
    name = f"{rs_name}-{safe_suffix(5, rs_name, seed or str(uuid.uuid4()))}"
    spec = template["spec"]
    token_volume = f"kube-api-access-{safe_suffix(5, name, 'token')}"
    for c in spec["containers"] + spec.get("initContainers", []):
        c.setdefault("volumeMounts", []).append(
            {
                "name": token_volume,
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            }
        )
    spec.setdefault("volumes", []).append(
        {
            "name": token_volume,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                ],
            },
        }
    )
    spec["nodeName"] = node_for(name)
    spec["tolerations"] = [
        {
            "key": f"node.kubernetes.io/{taint}",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        }
        for taint in ("not-ready", "unreachable")
    ]
    spec.update(
        {"enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority", "priority": 0}
    )
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": f"{rs_name}-",
            "namespace": rs["metadata"]["namespace"],
            "uid": str(uuid.uuid4()),
            "labels": template["metadata"].get("labels", {}),
            "annotations": template["metadata"].get("annotations", {}),
            "ownerReferences": [owner_ref(rs)],
            "creationTimestamp": rfc3339(started),
            "generation": 1,
        },
        "spec": spec,
    }
    obj["status"] = pod_status(obj, state, started)
    return obj


def event(
    involved: Obj,
    reason: str,
    message: str,
    at: float,
    *,
    warning: bool = False,
    count: int = 1,
    first: float | None = None,
    component: str = "kubelet",
    field_path: str | None = None,
) -> Obj:
    meta = involved["metadata"]
    host = involved.get("spec", {}).get("nodeName", "") if involved["kind"] == "Pod" else ""
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    involved_ref: Obj = {
        "apiVersion": involved["apiVersion"],
        "kind": involved["kind"],
        "name": meta["name"],
        "namespace": meta["namespace"],
        "uid": meta["uid"],
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if field_path:
        involved_ref["fieldPath"] = field_path
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{uuid.uuid4().hex[:16]}",
            "namespace": meta["namespace"],
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(first or at),
        },
        "involvedObject": involved_ref,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": rfc3339(first or at),
        "lastTimestamp": rfc3339(at),
        "count": count,
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }
