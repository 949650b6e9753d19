"""Argo CD: which Application manages an adapter's Deployment, and the policy finding on an
Application that auto-syncs (it reverts a manual rollback or fix)."""

from __future__ import annotations

from oc_console.domain.findings import Finding, Severity, Urgency
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from oc_console.domain.releases import AdapterRelease, ArgoApp

MAX_EVIDENCE = 8


def argo_app_of(fleet: FleetSnapshot, adapter: AdapterHealth) -> ArgoApp | None:
    """The Argo CD Application managing the Deployment: by its tracking annotation, by the
    app's resource list, or by the instance label (Argo CD's default label tracking) when
    Helm's own annotations are absent (Helm sets that label to the release name)."""
    owner = adapter.owner
    if owner is not None and owner.argocd_app:
        named = [a for a in fleet.argo_apps if a.name == owner.argocd_app]
        if named:
            return named[0]
    for app in fleet.argo_apps:
        if app.manages("Deployment", adapter.namespace, adapter.name):
            return app
    if owner is not None and owner.instance and owner.helm_release is None:
        return next((a for a in fleet.argo_apps if a.name == owner.instance), None)
    return None


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_EVIDENCE:
        return tuple(lines)
    return (*lines[:MAX_EVIDENCE], f"... and {len(lines) - MAX_EVIDENCE} more")


def auto_sync_findings(fleet: FleetSnapshot, releases: list[AdapterRelease]) -> list[Finding]:
    findings = []
    for app in fleet.argo_apps:
        if not app.auto_sync:
            continue
        managed = [r.key for r in releases if r.argo == app]
        if not managed and app.destination_namespace not in fleet.namespaces:
            continue
        policy = ", ".join(
            f"{name} {'on' if on else 'off'}"
            for name, on in (("prune", app.prune), ("selfHeal", app.self_heal))
        )
        evidence = (
            f"Application {app.key}: automated sync ({policy}), {app.sync_status}, {app.health}",
            f"source {app.repo or '?'} {app.chart or ''} at {app.target_revision or 'HEAD'}",
            *(f"manages Deployment {key}" for key in managed),
        )
        findings.append(
            Finding(
                "argocd-auto-sync",
                Severity.WARNING,
                managed[0] if len(managed) == 1 else app.key,
                f"Argo CD app {app.name} auto-syncs, against the policy: a manual rollback or "
                "fix of what it manages is reverted"
                f"{' within seconds (selfHeal)' if app.self_heal else ' at its next sync'}.",
                _cap(list(evidence)),
                urgency=Urgency.HYGIENE,
            )
        )
    return findings
