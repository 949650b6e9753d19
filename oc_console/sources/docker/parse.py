"""A Docker Engine's containers as the console's fleet: a compose service is the VM's
Deployment (an adapter when its name matches adapter_pattern), a container is its pod.

The rows are the same frozen records the Kubernetes source makes, so the analysis, the
screens and `check` read a VM as they read a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from oc_console.domain.kube import (
    ROLLOUT_COMPLETE,
    AdapterHealth,
    ContainerState,
    FleetSnapshot,
    ImageRef,
    PodRow,
)
from oc_console.domain.vm import VmContainer
from oc_console.sources.kube.parse import AdapterMatcher, is_pinned

Obj = dict[str, Any]
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NO_PROJECT = "-"  # a container started without compose: its own name is its service
# A running container that restarted this often and started this recently is in a loop even
# in the second between two crashes, when the Engine says "running".
LOOP_RESTARTS = 2
LOOP_WINDOW = timedelta(seconds=30)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_ZERO_TIME = "0001-01-01"


def parse_time(value: object) -> datetime | None:
    """The Engine's RFC 3339 times carry nanoseconds; "0001-01-01..." means never."""
    if not isinstance(value, str) or not value or value.startswith(_ZERO_TIME):
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _labels(obj: Obj) -> dict[str, str]:
    labels = (obj.get("Config") or {}).get("Labels") or {}
    return labels if isinstance(labels, dict) else {}


def project_service(obj: Obj) -> tuple[str, str]:
    labels = _labels(obj)
    name = str(obj.get("Name") or "").lstrip("/")
    return labels.get(PROJECT_LABEL) or NO_PROJECT, labels.get(SERVICE_LABEL) or name


def container_key(obj: Obj) -> tuple[str, str]:
    """(compose project, container name): what a PodRow's namespace and name are."""
    return project_service(obj)[0], str(obj.get("Name") or obj.get("Id", "")[:12]).lstrip("/")


End = tuple[str | None, int | None, datetime | None]


def _last_end(state: Obj, policy: str, seen: End | None) -> End:
    """The last termination: OOMKilled, Error or Completed, its exit code and when. A
    running container's ExitCode is 0 again (the Engine resets it on start), so its last end
    is the one seen before (`seen`), or an Error when only a failure restarts it."""
    finished = parse_time(state.get("FinishedAt"))
    if finished is None:
        return None, None, None
    if state.get("Running") and not state.get("Restarting"):
        if seen is not None and seen[2] == finished:
            return seen
        return ("Error", None, finished) if policy == "on-failure" else (None, None, finished)
    code = state.get("ExitCode")
    code = code if isinstance(code, int) else None
    if state.get("OOMKilled"):
        return "OOMKilled", code, finished
    return ("Completed" if code == 0 else "Error"), code, finished


def in_restart_loop(state: Obj, restarts: int, now: datetime) -> bool:
    if state.get("Restarting"):
        return True
    started = parse_time(state.get("StartedAt"))
    if state.get("Running") and restarts >= LOOP_RESTARTS and started is not None:
        return now - started <= LOOP_WINDOW
    return False


def _health(state: Obj) -> str | None:
    health = state.get("Health")
    return str(health.get("Status")) if isinstance(health, dict) else None


def container_state(
    obj: Obj, service: str, now: datetime, ends: dict[str, End] | None = None
) -> ContainerState:
    """`ends` remembers each container's last end across refreshes (see `_last_end`)."""
    state = obj.get("State") or {}
    host = obj.get("HostConfig") or {}
    restarts = obj.get("RestartCount")
    restarts = restarts if isinstance(restarts, int) else 0
    ends = {} if ends is None else ends
    cid = str(obj.get("Id", ""))
    policy = str((host.get("RestartPolicy") or {}).get("Name") or "no")
    end = _last_end(state, policy, ends.get(cid))
    ends[cid] = end
    last_reason, last_code, finished = end
    status = str(state.get("Status") or "unknown")
    health = _health(state)
    reason: str | None
    if in_restart_loop(state, restarts, now):
        kind, reason = "waiting", "CrashLoopBackOff"  # the word every screen already knows
    elif state.get("Running"):
        kind, reason = "running", ("Unhealthy" if health == "unhealthy" else None)
    elif status in ("exited", "dead"):
        kind, reason = "terminated", last_reason
    else:  # created, paused, removing
        kind, reason = "waiting", status.capitalize()
    return ContainerState(
        name=service,
        kind="app",
        image=str((obj.get("Config") or {}).get("Image") or obj.get("Image") or ""),
        state=kind,
        reason=reason,
        ready=kind == "running" and health in (None, "healthy"),
        restart_count=restarts,
        last_reason=last_reason,
        last_exit_code=last_code,
        last_finished_at=finished,
        memory_request=host.get("MemoryReservation") or None,
        memory_limit=host.get("Memory") or None,  # 0 is "no limit"
    )


HEALTH_OUTPUT_MAX = 200


def _policy(host: Obj) -> str:
    policy = host.get("RestartPolicy") or {}
    name = str(policy.get("Name") or "no")
    retries = policy.get("MaximumRetryCount")
    return f"{name}:{retries}" if name == "on-failure" and retries else name


def vm_container(obj: Obj, digests: dict[str, tuple[str, ...]] | None = None) -> VmContainer:
    """The Engine's own facts of one container: cpus, restart policy, health, image digest."""
    project, service = project_service(obj)
    _, name = container_key(obj)
    host = obj.get("HostConfig") or {}
    health = (obj.get("State") or {}).get("Health")
    health = health if isinstance(health, dict) else {}
    log = health.get("Log") or []
    output = str(log[-1].get("Output") or "") if log and isinstance(log[-1], dict) else ""
    cpus = host.get("NanoCpus")
    return VmContainer(
        project=project,
        name=name,
        service=service,
        nano_cpus=cpus if isinstance(cpus, int) else 0,
        restart_policy=_policy(host),
        health=str(health["Status"]) if health.get("Status") else None,
        failing_streak=int(health.get("FailingStreak") or 0),
        health_output=" ".join(output.split())[:HEALTH_OUTPUT_MAX],
        image=str((obj.get("Config") or {}).get("Image") or ""),
        repo_digests=(digests or {}).get(str(obj.get("Image") or ""), ()),
    )


def parse_container(
    obj: Obj, matcher: AdapterMatcher, now: datetime, ends: dict[str, End] | None = None
) -> PodRow:
    project, service = project_service(obj)
    _, name = container_key(obj)
    c = container_state(obj, service, now, ends)
    phase = {"running": "Running", "terminated": "Failed", "waiting": "Pending"}[c.state]
    if c.state == "terminated" and c.last_exit_code == 0:
        phase = "Succeeded"
    networks = ((obj.get("NetworkSettings") or {}).get("Networks") or {}).values()
    ips = [n.get("IPAddress") for n in networks if isinstance(n, dict) and n.get("IPAddress")]
    return PodRow(
        namespace=project,
        name=name,
        platform=matcher.platform({"service": service}),
        phase=phase,
        reason=None,
        ready=c.ready,
        deleting=False,
        containers=(c,),
        node=None,
        created=parse_time(obj.get("Created")),
        owner_rs=None,
        ip=ips[0] if ips else None,
    )


def _service(
    project: str, service: str, platform: str, rows: list[tuple[Obj, PodRow]]
) -> AdapterHealth:
    pods = [p for _, p in rows]
    ready = sum(p.ready for p in pods)
    running = sum(p.phase == "Running" for p in pods)
    images = {(p.containers[0].name, p.containers[0].image) for p in pods}
    created = [p.created for p in pods if p.created is not None]
    return AdapterHealth(
        platform=platform,
        namespace=project,
        name=service,
        desired=len(pods),  # every container of the service is meant to run
        current=running,
        ready=ready,
        updated=len(pods),
        available=ready,
        rollout=ROLLOUT_COMPLETE,
        rollout_message=f"{running} of {len(pods)} containers running",
        paused=False,
        images=tuple(ImageRef(name, image, is_pinned(image)) for name, image in sorted(images)),
        revision=None,
        selector=((PROJECT_LABEL, project), (SERVICE_LABEL, service)),
        created=min(created, default=None),
    )


def fleet_of(
    inspected: Iterable[Obj],
    matcher: AdapterMatcher,
    host: str,
    now: datetime,
    generation: int,
    ends: dict[str, End] | None = None,
    digests: dict[str, tuple[str, ...]] | None = None,
) -> FleetSnapshot:
    """The whole Engine as one snapshot: every container a pod, adapter services grouped.
    `digests`: each image id's RepoDigests, as the Engine's image inspect gives them."""
    services: dict[tuple[str, str], list[tuple[Obj, PodRow]]] = {}
    pods, vm = [], []
    for obj in inspected:
        pod = parse_container(obj, matcher, now, ends)
        pods.append(pod)
        vm.append(vm_container(obj, digests))
        services.setdefault(project_service(obj), []).append((obj, pod))
    adapters = []
    for (project, service), rows in sorted(services.items()):
        platform = rows[0][1].platform
        if platform is not None:
            adapters.append(_service(project, service, platform, rows))
    return FleetSnapshot(
        context=f"docker {host}",
        namespaces=tuple(sorted({p for p, _ in services})),
        adapters=tuple(adapters),
        pods=tuple(sorted(pods, key=lambda p: (p.namespace, p.name))),
        events=(),
        certificates=(),
        generation=generation,
        taken_at=now,
        engine="docker",
        vm=tuple(sorted(vm, key=lambda v: (v.project, v.name))),
    )
