"""A VM read from a Docker Engine: the cluster's findings worded for compose (mem_limit,
service, container, restart policy), and the findings only a VM has: a service with no
memory limit (one runaway workflow then takes the whole VM down, every service with it), an
adapter with no restart policy, and a container whose health check fails. A cluster's pods are
judged by the Kubernetes rules alone."""

from __future__ import annotations

from dataclasses import replace

from oc_console.domain.durations import human_bytes
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import FleetSnapshot, PodRow
from oc_console.domain.vm import VmContainer

MAX_EVIDENCE = 8
# The cluster's words in the findings that apply to both, and a VM's for them. Quoted log
# lines (indented evidence) are left as they were written.
_WORDS = (
    (" adapter pods were killed for exceeding their memory limit (",
     " adapter containers were killed for exceeding their mem_limit ("),
    ("and Kubernetes is backing off their restarts.", "and Docker keeps restarting them."),
    ("has no ready pods (0 of", "has no running container (0 of"),
    (" ready pods, so it has less capacity", " running containers, so it has less capacity"),
    ("can change what runs without a rollout.", "can change what runs at the next pull."),
    ("memory limit ", "mem_limit "),
    (", request no limit", ""),
    (", request ", ", mem_reservation "),
    (": CrashLoopBackOff,", ": restarting in a loop,"),
    ("previous log of ", "log of "),
    ("rollout: ", ""),
)  # fmt: skip
_REWORDED = frozenset(
    {"adapter-oomkilled", "adapter-crashloop", "adapter-unavailable", "adapter-degraded",
     "image-not-pinned"}
)  # fmt: skip


def _say(text: str) -> str:
    for cluster, vm in _WORDS:
        text = text.replace(cluster, vm)
    return text


def vm_worded(findings: list[Finding], fleet: FleetSnapshot) -> list[Finding]:
    """The cluster's findings as a VM's engineer reads them, with what the Engine adds:
    the restart policy of a loop, the registry digest of an image run by tag."""
    if fleet.engine != "docker":
        return findings
    facts = _facts(fleet)
    out = []
    for f in findings:
        if f.id not in _REWORDED:
            out.append(f)
            continue
        evidence = [line if line.startswith("  ") else _say(line) for line in f.evidence]
        containers = facts.get(f.subject, [])
        if f.id == "adapter-crashloop":
            policies = sorted({c.restart_policy for c in containers})
            evidence.insert(1, f"restart policy {', '.join(policies) or 'unknown'}")
        if f.id == "image-not-pinned":
            evidence += sorted({_digest_line(c) for c in containers})
        out.append(replace(f, summary=_say(f.summary), evidence=tuple(evidence)))
    return out


def _digest_line(c: VmContainer) -> str:
    if not c.repo_digests:
        return f"{c.image}: no registry digest (built or imported on this VM)"
    digest = c.repo_digests[0]
    return f"{c.image} is {digest} now: set image: {digest} in the compose file"


def _facts(fleet: FleetSnapshot) -> dict[str, list[VmContainer]]:
    """The Engine's facts by service subject ("project/service")."""
    by: dict[str, list[VmContainer]] = {}
    for c in fleet.vm:
        by.setdefault(_subject(c.project, c.service), []).append(c)
    return by


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
    facts = _facts(fleet)
    findings: list[Finding] = []
    for (project, service), pods in sorted(_services(fleet).items()):
        vm = {c.name: c for c in facts.get(_subject(project, service), [])}
        findings += _no_memory_limit(project, service, pods, vm)
        findings += _no_restart_policy(project, service, pods, vm)
        findings += _unhealthy(project, service, pods, vm)
    return findings


def _subject(project: str, service: str) -> str:
    return f"{project}/{service}"


def _target(project: str, service: str, pods: list[PodRow]) -> Target:
    return Target.deployment(project, service, pods[0].platform or "")


def _cpus(c: VmContainer | None) -> str:
    if c is None or c.cpus is None:
        return "no cpus limit"
    return f"cpus {c.cpus:g}"


def _no_memory_limit(
    project: str, service: str, pods: list[PodRow], vm: dict[str, VmContainer]
) -> list[Finding]:
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
                f"{p.name}: no mem_limit (HostConfig.Memory 0), {_cpus(vm.get(p.name))}, "
                f"image {p.containers[0].image}"
                for p in loose[:MAX_EVIDENCE]
            ),
            urgency=Urgency.LATER,
            touches=len(loose),
            target=_target(project, service, pods),
            objects=tuple(Target.pod(project, p.name, service) for p in loose),
        )
    ]


def _no_restart_policy(
    project: str, service: str, pods: list[PodRow], vm: dict[str, VmContainer]
) -> list[Finding]:
    """An adapter that exits stays down until someone starts it again."""
    if pods[0].platform is None:
        return []
    loose = [p for p in pods if p.name in vm and vm[p.name].restart_policy == "no"]
    if not loose:
        return []
    return [
        Finding(
            "no-restart-policy",
            Severity.WARNING,
            _subject(project, service),
            f"The {service} service has no restart policy (restart: no), so a container "
            "that exits or is killed for memory stays down until someone starts it.",
            tuple(f"{p.name}: restart policy no, {p.containers[0].state}" for p in loose),
            urgency=Urgency.LATER,
            touches=len(loose),
            target=_target(project, service, pods),
            objects=tuple(Target.pod(project, p.name, service) for p in loose),
        )
    ]


def _unhealthy(
    project: str, service: str, pods: list[PodRow], vm: dict[str, VmContainer]
) -> list[Finding]:
    sick = [p for p in pods if p.containers[0].reason == "Unhealthy"]
    if not sick:
        return []
    lines = []
    for p in sick[:MAX_EVIDENCE]:
        c, limit = vm.get(p.name), p.containers[0].memory_limit
        streak = f", {c.failing_streak} checks failed in a row" if c and c.failing_streak else ""
        said = f", last check said: {c.health_output}" if c and c.health_output else ""
        mem = human_bytes(limit) if limit else "none"
        lines.append(f"{p.name}: unhealthy{streak} (mem_limit {mem}){said}")
    return [
        Finding(
            "container-unhealthy",
            Severity.WARNING,
            _subject(project, service),
            f"{len(sick)} of {len(pods)} {service} containers fail their health check.",
            tuple(lines),
            target=_target(project, service, pods),
            objects=tuple(Target.pod(project, p.name, service) for p in sick),
        )
    ]
