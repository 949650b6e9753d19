"""Release drift: each adapter's live Deployment against the Helm revision that deployed it,
and the release history the Releases screen, the change timeline and rollback ownership read.

What is wrong with a release is decided in release_findings.py; the Argo CD application that
manages an adapter in argocd.py.
"""

from __future__ import annotations

from datetime import datetime

from oc_console.analysis.argocd import argo_app_of
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from oc_console.domain.releases import (
    ARGO_KIND,
    HELM_DEPLOYED,
    HELM_KIND,
    HELM_SUPERSEDED,
    AdapterRelease,
    ArgoApp,
    ContainerSpec,
    DriftItem,
    HelmRevision,
    WorkloadSpec,
)


def stream_problem(fleet: FleetSnapshot, kind: str) -> str | None:
    """The error of a stream of this kind, so "cannot see" is never shown as "none"."""
    return next(
        (w.error for w in fleet.watches if (w.kind == kind or kind in w.feeds) and w.error), None
    )


def adapter_history(fleet: FleetSnapshot, adapter: AdapterHealth) -> tuple[HelmRevision, ...]:
    """The revisions of the Helm release that owns the adapter, newest first."""
    owner = adapter.owner
    if owner is None or owner.helm_release is None:
        return ()
    namespace = owner.helm_namespace or adapter.namespace
    found = [r for r in fleet.helm if r.release == owner.helm_release and r.namespace == namespace]
    return tuple(sorted(found, key=lambda r: -r.revision))


def deployed(history: tuple[HelmRevision, ...]) -> HelmRevision | None:
    return next((r for r in history if r.status == HELM_DEPLOYED), None)


def last_good(history: tuple[HelmRevision, ...]) -> HelmRevision | None:
    """The newest revision that deployed successfully: where a rollback should go."""
    return next(
        (r for r in history if r.status in (HELM_DEPLOYED, HELM_SUPERSEDED) and not r.error),
        None,
    )


def _amount(key: str, value: int | None) -> str:
    if value is None:
        return "unset"
    if key.endswith(".cpu"):
        return f"{value}m"
    if value % 2**30 == 0:
        return f"{value // 2**30}Gi"
    if value % 2**20 == 0:
        return f"{value // 2**20}Mi"
    return str(value)


def _container_drift(
    helm: ContainerSpec, live: ContainerSpec, since: datetime | None
) -> list[DriftItem]:
    items = []
    if helm.image != live.image:
        items.append(DriftItem("image", live.name, helm.image, live.image, since))
    rendered, running = dict(helm.resources), dict(live.resources)
    for key in sorted(rendered.keys() | running.keys()):
        if rendered.get(key) != running.get(key):
            items.append(
                DriftItem(
                    key,
                    live.name,
                    _amount(key, rendered.get(key)),
                    _amount(key, running.get(key)),
                    since,
                )
            )
    for name in sorted(set(live.env) - set(helm.env)):
        items.append(DriftItem(f"env {name}", live.name, "unset", "set", since))
    for name in sorted(set(helm.env) - set(live.env)):
        items.append(DriftItem(f"env {name}", live.name, "set", "unset", since))
    return items


def workload_drift(
    rendered: WorkloadSpec, live: WorkloadSpec, since: datetime | None, *, autoscaled: bool
) -> tuple[DriftItem, ...]:
    """Every difference in images, resources, env var names and replicas. Replicas count only
    when the manifest sets them and no autoscaler owns them."""
    items: list[DriftItem] = []
    if rendered.replicas is not None and not autoscaled and rendered.replicas != live.replicas:
        items.append(DriftItem("replicas", None, str(rendered.replicas), str(live.replicas), None))
    helm_by_name = {c.name: c for c in rendered.containers}
    live_by_name = {c.name: c for c in live.containers}
    for name, c in live_by_name.items():
        if name in helm_by_name:
            items += _container_drift(helm_by_name[name], c, since)
        else:
            items.append(DriftItem("container", name, "absent", c.image, since))
    for name, c in helm_by_name.items():
        if name not in live_by_name:
            items.append(DriftItem("container", name, c.image, "absent", since))
    return tuple(items)


def _template_changed(adapter: AdapterHealth) -> datetime | None:
    """When the live pod template last changed: its newest ReplicaSet's creation."""
    return adapter.revisions[0].created if adapter.revisions else None


def adapter_release(fleet: FleetSnapshot, adapter: AdapterHealth) -> AdapterRelease:
    history = adapter_history(fleet, adapter)
    live_rev = deployed(history)
    drift: tuple[DriftItem, ...] = ()
    rendered = live_rev.workload(adapter.namespace, adapter.name) if live_rev else None
    if rendered is not None and adapter.spec is not None:
        drift = workload_drift(
            rendered, adapter.spec, _template_changed(adapter), autoscaled=adapter.hpa is not None
        )
    argo = argo_app_of(fleet, adapter)
    return AdapterRelease(
        key=adapter.key,
        platform=adapter.platform,
        release=adapter.owner.helm_release if adapter.owner else None,
        history=history,
        deployed=live_rev,
        drift=drift,
        argo=argo,
        pinned=not adapter.unpinned_images,
        note=_note(fleet, adapter, history, argo),
    )


def _note(
    fleet: FleetSnapshot,
    adapter: AdapterHealth,
    history: tuple[HelmRevision, ...],
    argo: ArgoApp | None,
) -> str | None:
    release = adapter.owner.helm_release if adapter.owner else None
    problem = stream_problem(fleet, HELM_KIND)
    if release is not None and problem:
        return f"cannot see Helm releases: {problem}"
    if release is not None and not history:
        return f"no revision of Helm release {release} found"
    if release is not None and deployed(history) is None:
        return f"no deployed revision of Helm release {release}"
    if release is None and argo is None:
        argo_problem = stream_problem(fleet, ARGO_KIND)
        if argo_problem:
            return f"not managed by Helm; cannot see Argo CD applications: {argo_problem}"
        return "not managed by Helm or Argo CD"
    return None


def adapter_releases(fleet: FleetSnapshot) -> list[AdapterRelease]:
    return [adapter_release(fleet, a) for a in fleet.adapters]
