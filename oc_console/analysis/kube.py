"""Findings from the fleet: what is wrong with the adapters (adapter_findings.py), the
certificates (certificates.py), the secrets they read, and what the cluster refuses to show."""

from __future__ import annotations

from datetime import datetime

from oc_console.analysis.adapter_findings import adapter_findings
from oc_console.analysis.certificates import certificate_findings
from oc_console.analysis.config_secrets import config_secret_findings
from oc_console.analysis.external_secrets import external_secret_findings
from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.domain.findings import Finding, Severity, Urgency
from oc_console.domain.kube import FleetSnapshot


def kube_findings(
    fleet: FleetSnapshot, now: datetime, thresholds: KubeThresholds | None = None
) -> list[Finding]:
    t = thresholds or KubeThresholds()
    findings: list[Finding] = []
    for adapter in fleet.adapters:
        findings += adapter_findings(fleet, adapter, now, t)
    for cert in fleet.certificates:
        findings += certificate_findings(cert, now, t)
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
