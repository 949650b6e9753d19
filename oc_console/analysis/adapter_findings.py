"""What is wrong with an adapter's Deployment and pods, and why: no or too few ready pods,
OOM kills, crash loops, a stuck rollout, images by tag, and webhooks rejected for their
signature in its logs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.domain.durations import human_bytes
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import (
    ROLLOUT_STUCK,
    AdapterHealth,
    ContainerState,
    FleetSnapshot,
    PodRow,
)

LOG_TAIL_EVIDENCE = 5
MAX_EVIDENCE = 8  # per finding; a 300-pod adapter must not print 300 lines


def adapter_findings(
    fleet: FleetSnapshot, a: AdapterHealth, now: datetime, t: KubeThresholds
) -> list[Finding]:
    pods = fleet.pods_of(a)
    return [
        *_availability(a),
        *_oomkilled(a, pods, now, t),
        *_crashloop(fleet, a, pods),
        *_rollout(a),
        *_unpinned(a),
        *_signature_mismatch(fleet, a),
    ]


def adapter_problems(fleet: FleetSnapshot, adapter: AdapterHealth) -> tuple[str, ...]:
    """Why an adapter is not healthy, in words ("OOMKilled", "CrashLoopBackOff", "1/3
    ready"); empty when it is. The summary line and the screens count from this, not from
    ready < desired alone, which misses an adapter whose pods restart between OOM kills."""
    pods = fleet.pods_of(adapter)
    problems = []
    if adapter.ready < adapter.desired:
        problems.append(f"{adapter.ready}/{adapter.desired} ready")
    containers = [c for p in pods for c in p.app_containers]
    if any(c.oomkilled for c in containers):
        problems.append("OOMKilled")
    if any(c.crashloop for c in containers):
        problems.append("CrashLoopBackOff")
    if any(not p.ready and not p.deleting for p in pods) and not problems:
        problems.append("pods not ready")
    return tuple(problems)


def _memory(value: int | None) -> str:
    return "no limit" if value is None else human_bytes(value)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "an unknown time"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_EVIDENCE:
        return tuple(lines)
    return (*lines[:MAX_EVIDENCE], f"... and {len(lines) - MAX_EVIDENCE} more")


def _availability(a: AdapterHealth) -> list[Finding]:
    if a.desired == 0 or a.ready >= a.desired:
        return []
    evidence = (
        f"desired {a.desired}, ready {a.ready}, available {a.available}, updated {a.updated}",
        f"rollout: {a.rollout_message}",
    )
    if a.ready == 0:
        return [
            Finding(
                "adapter-unavailable",
                Severity.CRITICAL,
                a.key,
                f"The {a.platform} adapter has no ready pods (0 of {a.desired}), "
                f"so {a.platform} orders are not syncing.",
                evidence,
                touches=a.desired,
                target=_target(a),
            )
        ]
    return [
        Finding(
            "adapter-degraded",
            Severity.WARNING,
            a.key,
            f"The {a.platform} adapter runs on {a.ready} of {a.desired} ready pods, "
            "so it has less capacity and no slack for another failure.",
            evidence,
            touches=a.desired - a.ready,
            target=_target(a),
        )
    ]


def _oom_line(pod: PodRow, c: ContainerState) -> str:
    code = c.last_exit_code if c.last_exit_code is not None else 137
    return (
        f"{pod.name}/{c.name}: OOMKilled (exit {code}) at {_when(c.last_finished_at)}, "
        f"memory limit {_memory(c.memory_limit)}, request {_memory(c.memory_request)}, "
        f"{c.restart_count} restarts"
    )


def _target(a: AdapterHealth) -> Target:
    return Target.deployment(a.namespace, a.name, a.platform)


def _objects(a: AdapterHealth, hits: list[tuple[PodRow, ContainerState]]) -> tuple[Target, ...]:
    """Every pod and container a finding is about: a screen colours those pods by it."""
    return tuple(Target.pod(a.namespace, p.name, c.name, a.platform) for p, c in hits)


def _oomkilled(
    a: AdapterHealth, pods: tuple[PodRow, ...], now: datetime, t: KubeThresholds
) -> list[Finding]:
    hits = [(p, c) for p in pods for c in p.containers if c.oomkilled]
    if not hits:
        return []
    limits = sorted({_memory(c.memory_limit) for _, c in hits})
    recent = any(
        c.last_finished_at is None or now - c.last_finished_at <= t.recent_oom for _, c in hits
    )
    affected = len({p.name for p, _ in hits})
    return [
        Finding(
            "adapter-oomkilled",
            Severity.CRITICAL if recent else Severity.WARNING,
            a.key,
            f"{affected} of {len(pods)} {a.platform} adapter pods were killed for exceeding "
            f"their memory limit ({', '.join(limits)}), so the limit is too low or it leaks.",
            _cap([_oom_line(p, c) for p, c in hits]),
            runbook="adapter-oomkilled",
            touches=affected,
            since=_latest(c.last_finished_at for _, c in hits),
            target=_target(a),
            objects=_objects(a, hits),
        )
    ]


def _crashloop(fleet: FleetSnapshot, a: AdapterHealth, pods: tuple[PodRow, ...]) -> list[Finding]:
    hits = [(p, c) for p in pods for c in p.containers if c.crashloop]
    if not hits:
        return []
    lines = []
    for pod, c in hits:
        last = c.last_reason or "no reason given"
        code = "?" if c.last_exit_code is None else str(c.last_exit_code)
        lines.append(
            f"{pod.name}/{c.name}: CrashLoopBackOff, {c.restart_count} restarts, last exit "
            f"{code} ({last}) at {_when(c.last_finished_at)}"
        )
    evidence = list(_cap(lines))
    pod, c = hits[0]
    for tail in fleet.logs_of(pod, previous=True):
        if tail.container == c.name and tail.lines:
            evidence.append(f"previous log of {pod.name}/{c.name}:")
            evidence += [f"  {line.text}" for line in tail.lines[-LOG_TAIL_EVIDENCE:]]
    reasons = sorted({c.last_reason or "no reason" for _, c in hits})
    return [
        Finding(
            "adapter-crashloop",
            Severity.CRITICAL,
            a.key,
            f"{_count(len(hits), 'container')} of the {a.platform} adapter "
            f"{'keeps' if len(hits) == 1 else 'keep'} crashing on start "
            f"(last exit: {', '.join(reasons)}) and Kubernetes is backing off their restarts.",
            tuple(evidence),
            runbook="adapter-crashloop",
            touches=len(hits),
            since=_latest(c.last_finished_at for _, c in hits),
            target=_target(a),
            objects=_objects(a, hits),
        )
    ]


def _rollout(a: AdapterHealth) -> list[Finding]:
    if a.rollout != ROLLOUT_STUCK:
        return []
    newest = a.revisions[0] if a.revisions else None
    evidence = [a.rollout_message, f"updated {a.updated} of {a.desired}, ready {a.ready}"]
    if newest is not None:
        images = ", ".join(newest.images)  # a tuple's repr is not for people
        evidence.append(f"revision {newest.revision} ({newest.replicaset}): {images}")
    if len(a.revisions) > 1:
        evidence.append(f"previous revision {a.revisions[1].revision} is available to roll back")
    return [
        Finding(
            "rollout-stuck",
            Severity.WARNING,
            a.key,
            f"The {a.platform} adapter rollout exceeded its progress deadline: the new "
            "revision's pods do not become available.",
            tuple(evidence),
            runbook="adapter-crashloop",
            target=_target(a),
        )
    ]


def _unpinned(a: AdapterHealth) -> list[Finding]:
    loose = a.unpinned_images
    if not loose:
        return []
    return [
        Finding(
            "image-not-pinned",
            Severity.WARNING,
            a.key,
            f"The {a.platform} adapter runs images by tag, not by @sha256: digest, so a "
            "re-pushed tag can change what runs without a rollout.",
            tuple(f"{i.container}: {i.image}" for i in loose),
            urgency=Urgency.HYGIENE,
            target=_target(a),
        )
    ]


def _signature_mismatch(fleet: FleetSnapshot, a: AdapterHealth) -> list[Finding]:
    tails = [
        t
        for t in fleet.logs
        if not t.previous and t.namespace == a.namespace and t.platform == a.platform
    ]
    hits = [(t, line) for t in tails for line in t.mismatches]
    if not hits:
        return []
    evidence = []
    for tail, line in hits[:LOG_TAIL_EVIDENCE]:
        ids = ", ".join(
            f"{k}={v}"
            for k, v in (("order_id", line.order_id), ("trace_id", line.trace_id))
            if v is not None
        )
        evidence.append(f"{tail.pod}: {line.ts or ''} {line.text}{f' ({ids})' if ids else ''}")
    return [
        Finding(
            "webhook-signature-mismatch",
            Severity.CRITICAL,
            a.key,
            f"The {a.platform} adapter rejected {_count(len(hits), 'webhook')} with a signature "
            "mismatch in its recent logs, so those events are lost until the webhook secret "
            "matches.",
            tuple(evidence),
            runbook="webhook-signature-mismatch",
            touches=len(hits),
            target=_target(a),
            objects=tuple(
                dict.fromkeys(Target.pod(a.namespace, t.pod, platform=a.platform) for t, _ in hits)
            ),
        )
    ]
