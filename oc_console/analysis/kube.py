"""Findings from the fleet: what is wrong with the adapters and certificates, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from oc_console.analysis.config_secrets import config_secret_findings
from oc_console.analysis.external_secrets import external_secret_findings
from oc_console.domain.durations import human_bytes, human_duration
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import (
    ROLLOUT_STUCK,
    AdapterHealth,
    CertStatus,
    ContainerState,
    FleetSnapshot,
    PodRow,
)

LOG_TAIL_EVIDENCE = 5
MAX_EVIDENCE = 8  # per finding; a 300-pod adapter must not print 300 lines


@dataclass(frozen=True)
class KubeThresholds:
    """The cluster rules' limits; each is a `[kubernetes.thresholds]` key in the config."""

    # An OOM kill this recent is still happening (CRITICAL), older ones are history (WARNING).
    recent_oom_minutes: float = 60
    # A certificate this close to expiry (or past it) is CRITICAL: renewal has failed.
    cert_critical_hours: float = 72
    # The platform's policy: cert-manager renews at least this long before expiry (14 days by
    # default). The one place it lives: the findings, `check` and the screens all read it here.
    renew_before_policy_hours: float = 336

    @property
    def recent_oom(self) -> timedelta:
        return timedelta(minutes=self.recent_oom_minutes)

    @property
    def cert_critical(self) -> timedelta:
        return timedelta(hours=self.cert_critical_hours)

    @property
    def renew_before_policy(self) -> timedelta:
        return timedelta(hours=self.renew_before_policy_hours)

    def policy_ok(self, cert: CertStatus) -> bool:
        """The screens' "renewBefore" column asks this, never its own copy of 336h."""
        return cert.renew_before is None or cert.renew_before >= self.renew_before_policy


def kube_findings(
    fleet: FleetSnapshot, now: datetime, thresholds: KubeThresholds | None = None
) -> list[Finding]:
    t = thresholds or KubeThresholds()
    findings: list[Finding] = []
    for adapter in fleet.adapters:
        pods = fleet.pods_of(adapter)
        findings += _availability(adapter)
        findings += _oomkilled(adapter, pods, now, t)
        findings += _crashloop(fleet, adapter, pods)
        findings += _rollout(adapter)
        findings += _unpinned(adapter)
        findings += _signature_mismatch(fleet, adapter)
    for cert in fleet.certificates:
        findings += _certificate(cert, now, t)
    findings += config_secret_findings(fleet)
    findings += external_secret_findings(fleet)
    findings += _unseen(fleet)
    return findings


def _unseen(fleet: FleetSnapshot) -> list[Finding]:
    """A kind the cluster refuses to show is a finding: without it, "no certificates" on a
    screen or an OK from `check` would be a guess."""
    findings = []
    for w in fleet.unseen:
        why = (
            "the API server rejects the credentials"
            if (w.error or "").startswith("401")
            else f"RBAC denies {w.denied_verb}"
        )
        findings.append(
            Finding(
                "cannot-see",
                Severity.WARNING,
                f"{w.namespace}/{w.kind}",
                f"cannot see {w.kind} in {w.namespace}: {why}",
                tuple(e for e in (w.error,) if e),
                urgency=Urgency.LATER,
            )
        )
    return findings


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


def _ago(delta: timedelta) -> str:
    return human_duration(delta.total_seconds())


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


def _cert_facts(c: CertStatus, now: datetime, t: KubeThresholds) -> list[str]:
    facts = []
    if c.not_after is not None:
        facts.append(f"notAfter {_when(c.not_after)} (in {_ago(c.not_after - now)})")
    if c.renewal_time is not None:
        facts.append(f"renewalTime {_when(c.renewal_time)}")
    if c.renew_before is not None:
        facts.append(
            f"renewBefore {_ago(c.renew_before)} (policy >= {_ago(t.renew_before_policy)})"
        )
    if c.tls is not None:
        facts.append(
            f"Secret {c.secret}: issuer {c.tls.issuer}, SHA-256 {c.tls.fingerprint_sha256}"
        )
    if c.tls_error:
        facts.append(f"Secret {c.secret}: {c.tls_error}")
    return facts


def _certificate(c: CertStatus, now: datetime, t: KubeThresholds) -> list[Finding]:
    findings = []
    facts = tuple(_cert_facts(c, now, t))
    left = c.remaining(now)
    policy = t.renew_before_policy
    window = max(c.renew_before or policy, policy)
    if left is not None and left <= window:
        expired = left <= timedelta(0)
        summary = (
            f"Certificate {c.name} expired {_ago(-left)} ago, so TLS clients reject it."
            if expired
            else f"Certificate {c.name} expires in {_ago(left)} and has not been renewed, "
            f"though policy renews certificates {_ago(policy)} before expiry."
        )
        severity = Severity.CRITICAL if left <= t.cert_critical else Severity.WARNING
        findings.append(
            Finding(
                "cert-expiring", severity, c.key, summary, facts, "cert-expiry",
                urgency=Urgency.NOW if expired else Urgency.SOON,
                hurts_in=max(0.0, left.total_seconds()),
                target=Target.certificate(c.namespace, c.name),
            )
        )  # fmt: skip
    if c.ready is False:
        reason = c.reason or "no reason given"
        findings.append(
            Finding(
                "cert-not-ready",
                Severity.CRITICAL
                if left is not None and left <= t.cert_critical
                else Severity.WARNING,
                c.key,
                f"cert-manager reports Certificate {c.name} not Ready ({reason}), so it will "
                "not be renewed until the cause is fixed.",
                (*facts, *([c.message] if c.message else [])),
                "cert-expiry",
                urgency=Urgency.SOON,
                hurts_in=None if left is None else max(0.0, left.total_seconds()),
                target=Target.certificate(c.namespace, c.name),
            )
        )
    if c.managed and not t.policy_ok(c) and c.renew_before is not None:
        findings.append(
            Finding(
                "cert-renew-before-policy",
                Severity.WARNING,
                c.key,
                f"Certificate {c.name} renews only {_ago(c.renew_before)} before expiry, below "
                f"the {_ago(policy)} policy, leaving little time to fix a failure.",
                facts,
                "cert-expiry",
                urgency=Urgency.LATER,
                target=Target.certificate(c.namespace, c.name),
                limit=f"{t.renew_before_policy_hours:g}h",
            )
        )
    return findings
