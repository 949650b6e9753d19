"""Who owns a Deployment, for the rollback preview and its audit record.

`rollback_ownership(fleet, adapter)` is pure: it reads the snapshot's Helm history and Argo CD
Applications and says, for `kubectl rollout undo` to the previous ReplicaSet (or to
`to_revision`):

- the owner ("argocd" wins over "helm": Argo CD re-applies whatever it renders);
- the Helm revision that rendered the target ReplicaSet (the revision whose rendered
  Deployment has the same images), and the exact `helm rollback <release> <rev> -n <ns>`
  that makes Helm agree with the undo;
- the warnings to show before confirming, and `confirm_with`: the Argo CD app name the
  confirmation must contain when auto-sync would revert the undo.

The rollback action shows `summary` and `warnings` in its preview, refuses unless the typed
confirmation contains `confirm_with` (when set), and stores `audit_fields()` in both audit
records, the refused one included.
"""

from __future__ import annotations

from datetime import timedelta

from oc_console.analysis.argocd import argo_app_of
from oc_console.analysis.drift import adapter_history, deployed, last_good, stream_problem
from oc_console.domain.kube import AdapterHealth, FleetSnapshot, Revision
from oc_console.domain.releases import (
    ARGO_KIND,
    HELM_KIND,
    ArgoApp,
    HelmRevision,
    RollbackOwnership,
)

# A ReplicaSet is created a moment after `helm upgrade` records its revision; allow for a
# slow apply or a clock skew between the API server and the machine that ran helm.
RS_AFTER_DEPLOY_SLACK = timedelta(minutes=10)


def target_revision(adapter: AdapterHealth, to_revision: int | None) -> Revision | None:
    """kubectl's choice: `--to-revision`, else the newest revision older than the current."""
    if to_revision is not None:
        return next((r for r in adapter.revisions if r.revision == to_revision), None)
    current = adapter.revision
    older = [r for r in adapter.revisions if current is None or r.revision < current]
    return older[0] if older else None  # revisions are newest first


def last_good_revision(fleet: FleetSnapshot, adapter: AdapterHealth) -> Revision | None:
    """The newest older ReplicaSet revision that runs what Helm's last good release rendered:
    where a crash-looping release should go back to, rather than blindly to the previous one
    (which may be another failed attempt)."""
    good = last_good(adapter_history(fleet, adapter))
    rendered = good.workload(adapter.namespace, adapter.name) if good else None
    if rendered is None:
        return None
    return next(
        (
            r
            for r in adapter.revisions  # newest first
            if r.revision != adapter.revision and r.images == rendered.images
        ),
        None,
    )


def helm_revision_of(
    rs: Revision, adapter: AdapterHealth, history: tuple[HelmRevision, ...]
) -> HelmRevision | None:
    """The Helm revision whose rendered Deployment runs the ReplicaSet's images; of several,
    the newest recorded before the ReplicaSet was created."""
    matching = [
        r
        for r in history
        if (w := r.workload(adapter.namespace, adapter.name)) is not None and w.images == rs.images
    ]
    if rs.created is not None:
        before = [
            r
            for r in matching
            if r.last_deployed is not None and r.last_deployed <= rs.created + RS_AFTER_DEPLOY_SLACK
        ]
        if before:
            return before[0]  # history is newest first
    return matching[0] if matching else None


def _helm_warnings(
    adapter: AdapterHealth,
    release: str,
    namespace: str,
    rendered: HelmRevision | None,
    history: tuple[HelmRevision, ...],
) -> tuple[list[str], str | None]:
    live = deployed(history)
    recorded = f"Helm still records revision {live.revision} as deployed" if live else ""
    if rendered is not None:
        command = f"helm rollback {release} {rendered.revision} -n {namespace}"
        latest = history[0].revision if history else None
        if live is not None and rendered.revision == live.revision and latest != live.revision:
            return [
                f"The undo returns to what Helm's deployed revision {live.revision} rendered, "
                f"but Helm's history ends in revision {latest}: record the rollback in Helm "
                f"with `{command}`."
            ], command
        return [
            f"A kubectl-level undo drifts from Helm until the next `{command}`"
            + (f": {recorded}." if recorded else ".")
        ], command
    good = last_good(history)
    fallback = f"helm rollback {release} {good.revision} -n {namespace}" if good else None
    warning = (
        f"No revision of Helm release {release} renders the target ReplicaSet's images, so it "
        "was applied outside Helm: a kubectl-level undo drifts from Helm until the next "
        "helm upgrade"
    )
    if fallback:
        warning += f" or `{fallback}` (the last good revision)"
    return [warning + "."], fallback


def _argo_warnings(app: ArgoApp) -> list[str]:
    if app.auto_sync:
        when = "within seconds (selfHeal is on)" if app.self_heal else "at its next sync"
        return [
            f"Argo CD app {app.name} auto-syncs: the undo will be reverted {when}. "
            f"Type the app name ({app.name}) to confirm, or turn auto-sync off first."
        ]
    return [
        f"Argo CD app {app.name} manages this Deployment: it shows OutOfSync until Git "
        "matches the undo, and the next sync reverts it."
    ]


def rollback_ownership(
    fleet: FleetSnapshot, adapter: AdapterHealth, to_revision: int | None = None
) -> RollbackOwnership:
    owner_refs = adapter.owner
    release = owner_refs.helm_release if owner_refs else None
    namespace = (owner_refs.helm_namespace if owner_refs else None) or adapter.namespace
    history = adapter_history(fleet, adapter)
    target = target_revision(adapter, to_revision)
    rendered = helm_revision_of(target, adapter, history) if target is not None else None
    app = argo_app_of(fleet, adapter)
    warnings: list[str] = []
    parts: list[str] = []
    command = None
    if app is not None:
        parts.append(f"Argo CD app {app.key} ({'auto-sync' if app.auto_sync else 'manual sync'})")
        warnings += _argo_warnings(app)
    if release is not None:
        parts.append(f"Helm release {namespace}/{release}")
        problem = stream_problem(fleet, HELM_KIND)
        if problem:
            warnings.append(f"Cannot see the Helm history ({problem}): the revision is unknown.")
        else:
            helm_warnings, command = _helm_warnings(adapter, release, namespace, rendered, history)
            warnings += helm_warnings
    elif app is None and (problem := stream_problem(fleet, ARGO_KIND)):
        warnings.append(f"Cannot see Argo CD applications ({problem}): the owner may be unknown.")
    owner = "argocd" if app is not None else "helm" if release is not None else "none"
    summary = f"{adapter.key} is managed by {' and '.join(parts) or 'neither Helm nor Argo CD'}"
    if target is not None:
        summary += f"; undo returns to revision {target.revision} ({target.replicaset})"
        if rendered is not None:
            summary += f", rendered by Helm revision {rendered.revision}"
    live = deployed(history)
    good = last_good(history)
    return RollbackOwnership(
        owner=owner,
        deployment=adapter.key,
        to_revision=target.revision if target else None,
        replicaset=target.replicaset if target else None,
        helm_release=release,
        helm_namespace=namespace if release else None,
        helm_revision=rendered.revision if rendered else None,
        deployed_helm_revision=live.revision if live else None,
        last_good_helm_revision=good.revision if good else None,
        helm_command=command,
        argo_app=app.key if app else None,
        auto_sync=app.auto_sync if app else False,
        summary=summary + ".",
        warnings=tuple(warnings),
        confirm_with=app.name if app is not None and app.auto_sync else None,
    )
