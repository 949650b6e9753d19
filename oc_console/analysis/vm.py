"""Findings only a VM has: a compose service read from a Docker Engine with no memory limit
(one runaway workflow then takes the whole VM down, every service with it), and a container
whose health check fails. A cluster's pods are judged by the Kubernetes rules alone."""

from __future__ import annotations

from oc_console.domain.durations import human_bytes
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import FleetSnapshot, PodRow

MAX_EVIDENCE = 8


def _services(fleet: FleetSnapshot) -> dict[tuple[str, str], list[PodRow]]:
    """Containers by (compose project, service): the source names each container's
    ContainerState after its service."""
    grouped: dict[tuple[str, str], list[PodRow]] = {}
    for pod in fleet.pods:
        if pod.containers:
            grouped.setdefault((pod.namespace, pod.containers[0].name), []).append(pod)
    return grouped


def vm_findings(fleet: FleetSnapshot) -> list[Finding]:
    if fleet.engine != "docker":
        return []
    findings: list[Finding] = []
    for (project, service), pods in sorted(_services(fleet).items()):
        findings += _no_memory_limit(project, service, pods)
        findings += _unhealthy(project, service, pods)
    return findings


def _subject(project: str, service: str) -> str:
    return f"{project}/{service}"


def _target(project: str, service: str, pods: list[PodRow]) -> Target:
    return Target.deployment(project, service, pods[0].platform or "")


def _no_memory_limit(project: str, service: str, pods: list[PodRow]) -> list[Finding]:
    loose = [p for p in pods if p.containers[0].memory_limit is None]
    if not loose:
        return []
    return [
        Finding(
            "no-memory-limit",
            Severity.WARNING,
            _subject(project, service),
            f"The {service} service runs without a memory limit (no mem_limit), so one "
            "runaway workflow can take the whole VM down with every other service on it.",
            tuple(
                f"{p.name}: no memory limit (HostConfig.Memory 0), image {p.containers[0].image}"
                for p in loose[:MAX_EVIDENCE]
            ),
            urgency=Urgency.LATER,
            touches=len(loose),
            target=_target(project, service, pods),
            objects=tuple(Target.pod(project, p.name, service) for p in loose),
        )
    ]


def _unhealthy(project: str, service: str, pods: list[PodRow]) -> list[Finding]:
    sick = [p for p in pods if p.containers[0].reason == "Unhealthy"]
    if not sick:
        return []
    limits = {p.containers[0].memory_limit for p in sick}
    limit = ", ".join(sorted(human_bytes(m) if m else "no limit" for m in limits))
    return [
        Finding(
            "container-unhealthy",
            Severity.WARNING,
            _subject(project, service),
            f"{len(sick)} of {len(pods)} {service} containers fail their health check.",
            tuple(f"{p.name}: unhealthy (memory limit {limit})" for p in sick[:MAX_EVIDENCE]),
            target=_target(project, service, pods),
            objects=tuple(Target.pod(project, p.name, service) for p in sick),
        )
    ]
