"""The Events the scenarios leave behind, as the kubelet and controllers word them."""

from __future__ import annotations

from typing import Any

from ..hostile import TEXT as HOSTILE_TEXT
from .objects import event

Obj = dict[str, Any]


def _container_events(pod: Obj, restarts: int, last: float, first: float) -> list[Obj]:
    container = pod["spec"]["containers"][0]
    path = f"spec.containers{{{container['name']}}}"
    name = pod["metadata"]["name"]
    uid = pod["metadata"]["uid"]
    return [
        event(
            pod,
            "BackOff",
            f"Back-off restarting failed container {container['name']} in pod "
            f"{name}_{pod['metadata']['namespace']}({uid})",
            last,
            warning=True,
            count=restarts * 4,
            first=first,
            field_path=path,
        ),
        event(
            pod,
            "Pulled",
            f'Container image "{container["image"]}" already present on machine',
            last,
            count=restarts,
            first=first,
            field_path=path,
        ),
        event(
            pod,
            "Created",
            f"Created container: {container['name']}",
            last,
            count=restarts,
            first=first,
            field_path=path,
        ),
        event(
            pod,
            "Started",
            f"Started container {container['name']}",
            last,
            count=restarts,
            first=first,
            field_path=path,
        ),
    ]


def oom_events(pod: Obj, restarts: int, now: float) -> list[Obj]:
    """OOM kills leave no event of their own (the kubelet emits none); their restarts do."""
    last = now - 60
    events = _container_events(pod, restarts, last, now - 3 * 3600)
    container = pod["spec"]["containers"][0]["name"]
    ip = pod["status"]["podIP"]
    path = f"spec.containers{{{container}}}"
    events += [
        event(
            pod,
            "Unhealthy",
            f'Liveness probe failed: Get "http://{ip}:8080/healthz": context deadline exceeded '
            "(Client.Timeout exceeded while awaiting headers)",
            last - 30,
            warning=True,
            count=3,
            field_path=path,
        ),
        event(
            pod,
            "Killing",
            f"Container {container} failed liveness probe, will be restarted",
            last - 20,
            field_path=path,
        ),
    ]
    return events


def crashloop_events(deployment: Obj, rs: Obj, pod: Obj, now: float) -> list[Obj]:
    created = now - 52 * 60
    name = rs["metadata"]["name"]
    return [
        event(
            deployment,
            "ScalingReplicaSet",
            f"Scaled up replica set {name} from 0 to 1",
            created,
            component="deployment-controller",
        ),
        event(
            rs,
            "SuccessfulCreate",
            f"Created pod: {pod['metadata']['name']}",
            created,
            component="replicaset-controller",
        ),
        event(
            pod,
            "Scheduled",
            f"Successfully assigned {pod['metadata']['namespace']}/{pod['metadata']['name']} "
            f"to {pod['spec']['nodeName']}",
            created,
            component="default-scheduler",
        ),
        *_container_events(pod, 10, now - 70, created + 5),
    ]


def hostile_event(pod: Obj, now: float) -> Obj:
    """An exec probe's output goes into the Event word for word: whoever controls the
    container's output controls this message."""
    container = pod["spec"]["containers"][0]["name"]
    return event(
        pod,
        "Unhealthy",
        f"Readiness probe failed: {HOSTILE_TEXT}",
        now - 45,
        warning=True,
        count=6,
        first=now - 20 * 60,
        field_path=f"spec.containers{{{container}}}",
    )
