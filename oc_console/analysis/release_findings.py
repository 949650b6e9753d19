"""What is wrong with how the adapters were released: drift from the Helm revision that
deployed them, the release history's own alarms (a latest revision that failed, stuck
pending), Argo CD auto-sync against the policy, and OpenClaw CRDs still served at v1alpha1.

Digest pinning is already a finding of its own (`image-not-pinned`,
analysis/adapter_findings.py); the Releases screen reads it from there rather than deciding it
again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from oc_console.analysis.adapter_findings import adapter_problems
from oc_console.analysis.argocd import auto_sync_findings
from oc_console.analysis.drift import (
    adapter_releases,
    deployed,
    last_good,
    stream_problem,
    workload_drift,
)
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import ROLLOUT_STUCK, AdapterHealth, FleetSnapshot
from oc_console.domain.releases import (
    HELM_DEPLOYED,
    HELM_FAILED,
    HELM_KIND,
    AdapterRelease,
    HelmRevision,
)

# Helm's default --timeout is 5m: a pending-* status three times that old has no helm process
# behind it any more, and every later `helm upgrade` refuses ("another operation is in progress").
PENDING_STUCK = timedelta(minutes=15)
DEPRECATED_VERSION = "v1alpha1"
OPENCLAW_GROUP_MARK = "openclaw"
MAX_EVIDENCE = 8


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "an unknown time"


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_EVIDENCE:
        return tuple(lines)
    return (*lines[:MAX_EVIDENCE], f"... and {len(lines) - MAX_EVIDENCE} more")


def _revision_line(r: HelmRevision) -> str:
    text = f"revision {r.revision} {r.status} at {_when(r.last_deployed)}, chart {r.chart_text}"
    return f"{text}: {r.description}" if r.description else text


def _matching_failed(adapter: AdapterHealth, history: tuple[HelmRevision, ...]) -> int | None:
    """The failed revision whose rendering the live Deployment matches, if any: a failed
    upgrade that was applied and left running."""
    if adapter.spec is None:
        return None
    for r in history:
        rendered = r.workload(adapter.namespace, adapter.name)
        if (
            r.status == HELM_FAILED
            and rendered is not None
            and not workload_drift(rendered, adapter.spec, None, autoscaled=True)
        ):
            return r.revision
    return None


def _healthy(adapter: AdapterHealth) -> bool:
    return adapter.ready >= adapter.desired


def _drift_finding(adapter: AdapterHealth, rel: AdapterRelease) -> list[Finding]:
    if not rel.drift or rel.deployed is None:
        return []
    since = min((d.since for d in rel.drift if d.since is not None), default=None)
    evidence = [d.text for d in rel.drift]
    evidence.append(
        f"Helm revision {rel.deployed.revision} deployed at {_when(rel.deployed.last_deployed)}"
    )
    if since is not None:
        evidence.append(f"live pod template changed at {_when(since)}")
    failed = _matching_failed(adapter, rel.history)
    if failed is not None:
        evidence.append(f"live matches failed revision {failed}: the failed upgrade was applied")
    return [
        Finding(
            "release-drift",
            Severity.WARNING,
            adapter.key,
            f"The {adapter.platform} adapter differs from Helm release {rel.release} revision "
            f"{rel.deployed.revision} ({len(rel.drift)} "
            f"{'difference' if len(rel.drift) == 1 else 'differences'}"
            f"{f' since {_when(since)}' if since else ''}), so the next upgrade or rollback "
            "changes more than its chart says.",
            _cap(evidence),
            runbook="adapter-crashloop" if failed is not None else None,
            # drift that does no harm today is policy; drift to a failed revision is the cause
            urgency=Urgency.HYGIENE if failed is None and _healthy(adapter) else Urgency.LATER,
            since=since,
            target=Target.deployment(adapter.namespace, adapter.name, adapter.platform),
        )
    ]


def _atomic_line(failed: HelmRevision, history: tuple[HelmRevision, ...]) -> str:
    """Whether `helm upgrade --atomic` would have undone the failure: it rolls back at once,
    leaving a newer `deployed` revision; none after the failure means nothing rolled it back."""
    if any(r.revision > failed.revision and r.status == HELM_DEPLOYED for r in history):
        return f"revision {failed.revision} was rolled back (a newer revision is deployed)"
    good = last_good(history)
    if good is None:
        return (
            f"not rolled back: no revision deployed after {failed.revision}, and none before it "
            "deployed cleanly for --atomic to return to"
        )
    return (
        f"not rolled back: no revision deployed after {failed.revision}; --atomic would have "
        f"rolled it back to revision {good.revision}"
    )


def _unhealthy(fleet: FleetSnapshot, adapter: AdapterHealth) -> tuple[str, ...]:
    """Why the release's Deployment is not healthy (empty when it is): its pods' problems,
    or a rollout that did not complete (the new pods crash while the old ones still serve)."""
    problems = adapter_problems(fleet, adapter)
    if adapter.rollout == ROLLOUT_STUCK:
        return (*problems, f"rollout stuck: {adapter.rollout_message}")
    return problems


def _failed_finding(
    fleet: FleetSnapshot, adapter: AdapterHealth, rel: AdapterRelease
) -> list[Finding]:
    """The latest revision failed: one is enough. It is what `helm status` shows, and the
    live objects may be half upgraded."""
    streak = []
    for r in rel.history:
        if r.status != HELM_FAILED:
            break
        streak.append(r)
    if not streak:
        return []
    failed, live = streak[0], deployed(rel.history)
    evidence = [f"failed: {_revision_line(r)}" for r in streak]
    evidence.append(f"last deployed: {_revision_line(live)}" if live else "no revision is deployed")
    evidence.append(_atomic_line(failed, rel.history))
    unhealthy = _unhealthy(fleet, adapter)
    if unhealthy:  # half upgraded and hurting: the crash-loop runbook's rollback step
        evidence.append(
            f"{', '.join(unhealthy)}: roll back with runbook adapter-crashloop (its undo step)"
        )
    row = "upgrades" if len(streak) > 1 else "upgrade"
    return [
        Finding(
            "release-failed",
            Severity.WARNING,
            adapter.key,
            f"The last {f'{len(streak)} ' if len(streak) > 1 else ''}{row} of Helm release "
            f"{rel.release} failed (revision {failed.revision}) and was not rolled back, so the "
            f"{adapter.platform} adapter may run a half-applied release"
            f"{f'; Helm still counts revision {live.revision} as deployed' if live else ''}.",
            _cap(evidence),
            runbook="adapter-crashloop" if unhealthy else None,
            urgency=Urgency.LATER,
            target=Target.deployment(adapter.namespace, adapter.name, adapter.platform),
        )
    ]


def _pending_finding(adapter: AdapterHealth, rel: AdapterRelease, now: datetime) -> list[Finding]:
    latest = rel.latest
    if latest is None or not latest.pending or latest.last_deployed is None:
        return []
    if now - latest.last_deployed < PENDING_STUCK:
        return []
    return [
        Finding(
            "release-pending-stuck",
            Severity.WARNING,
            adapter.key,
            f"Helm release {rel.release} has been {latest.status} since "
            f"{_when(latest.last_deployed)}, so every new helm upgrade or rollback refuses "
            "with 'another operation is in progress'.",
            (_revision_line(latest),),
            urgency=Urgency.LATER,
        )
    ]


def _crd_findings(fleet: FleetSnapshot) -> list[Finding]:
    return [
        Finding(
            "crd-v1alpha1",
            Severity.WARNING,
            g.name,
            f"OpenClaw API group {g.name} is still served at {DEPRECATED_VERSION}, the "
            "deprecated version: an upgrade that drops it breaks every client still on it.",
            (f"served versions: {', '.join(g.versions)}; preferred {g.preferred or '?'}",),
            urgency=Urgency.HYGIENE,
        )
        for g in fleet.api_groups or ()
        if OPENCLAW_GROUP_MARK in g.name and DEPRECATED_VERSION in g.versions
    ]


def _visibility_findings(fleet: FleetSnapshot) -> list[Finding]:
    findings = []
    problem = stream_problem(fleet, HELM_KIND)
    if problem and any(a.owner and a.owner.helm_release for a in fleet.adapters):
        findings.append(
            Finding(
                "releases-not-visible",
                Severity.WARNING,
                "helm",
                "Cannot see the Helm release history, so release drift and failed upgrades "
                "are unknown (not absent).",
                (problem,),
                urgency=Urgency.LATER,
            )
        )
    for r in fleet.helm:
        if r.error:
            findings.append(
                Finding(
                    "release-unreadable",
                    Severity.WARNING,
                    r.key,
                    f"Helm release {r.release} revision {r.revision} cannot be decoded, so its "
                    "history and drift are incomplete.",
                    (r.error,),
                    urgency=Urgency.LATER,
                )
            )
    return findings


def release_findings(fleet: FleetSnapshot, now: datetime) -> list[Finding]:
    findings = _visibility_findings(fleet)
    releases = adapter_releases(fleet)
    for adapter, rel in zip(fleet.adapters, releases, strict=True):
        findings += _drift_finding(adapter, rel)
        findings += _failed_finding(fleet, adapter, rel)
        findings += _pending_finding(adapter, rel, now)
    findings += auto_sync_findings(fleet, releases)
    findings += _crd_findings(fleet)
    return findings
