"""What is wrong with a cert-manager Certificate: expiring without renewal, not Ready, or
renewing later before expiry than the platform's policy."""

from __future__ import annotations

from datetime import datetime, timedelta

from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import CertStatus


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "an unknown time"


def _ago(delta: timedelta) -> str:
    return human_duration(delta.total_seconds())


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


def certificate_findings(c: CertStatus, now: datetime, t: KubeThresholds) -> list[Finding]:
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
