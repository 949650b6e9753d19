"""Who deployed what: Helm release history, Argo CD Applications, served API groups, and the
parts of a Deployment that drift from what its owner rendered.

Only what the Releases screen, the drift analysis and the rollback preview read is kept: a
Helm release payload (chart templates, values, hooks) is decoded, cut down to these rows, and
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The watch streams' kind names, as messages and WatchStatus name them.
HELM_KIND = "helm release secrets"
ARGO_KIND = "applications.argoproj.io"

# Helm 3 release statuses (helm.sh/helm/v3/pkg/release/status.go).
HELM_DEPLOYED = "deployed"
HELM_SUPERSEDED = "superseded"
HELM_FAILED = "failed"
HELM_PENDING_PREFIX = "pending-"  # pending-install, pending-upgrade, pending-rollback


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """One container as written in a pod template (live or rendered by Helm)."""

    name: str
    image: str
    # ("limits.memory", bytes), ("requests.cpu", millicores)...: numbers, so "1Gi" == "1024Mi"
    resources: tuple[tuple[str, int], ...]
    env: tuple[str, ...]  # variable names only: values may be secrets
    init: bool = False


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """The drift-relevant part of a Deployment: replicas and its containers."""

    name: str
    namespace: str | None  # None when the manifest leaves it to the release's namespace
    replicas: int | None  # None when not set (an HPA or the API default decides)
    containers: tuple[ContainerSpec, ...]

    @property
    def images(self) -> tuple[str, ...]:
        """Init containers first, then the others: the order ReplicaSet revisions use."""
        ordered = [c for c in self.containers if c.init] + [
            c for c in self.containers if not c.init
        ]
        return tuple(c.image for c in ordered)


@dataclass(frozen=True, slots=True)
class OwnerRefs:
    """What a Deployment's own metadata says about who manages it."""

    helm_release: str | None  # annotation meta.helm.sh/release-name
    helm_namespace: str | None  # annotation meta.helm.sh/release-namespace
    managed_by: str | None  # label app.kubernetes.io/managed-by ("Helm", "argocd", ...)
    argocd_app: str | None  # from the argocd.argoproj.io/tracking-id annotation
    instance: str | None  # label app.kubernetes.io/instance (Helm and Argo CD both set it)


@dataclass(frozen=True, slots=True)
class HelmRevision:
    """One Helm release Secret, decoded: a revision of one release."""

    namespace: str
    release: str
    revision: int
    status: str
    chart: str | None
    chart_version: str | None
    app_version: str | None
    first_deployed: datetime | None
    last_deployed: datetime | None
    description: str
    secret: str  # sh.helm.release.v1.<release>.v<revision>
    workloads: tuple[WorkloadSpec, ...] = ()  # the Deployments its manifest renders
    error: str | None = None  # the payload could not be decoded: why, naming the Secret

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.release}"

    @property
    def chart_text(self) -> str:
        if self.chart is None:
            return "?"
        return f"{self.chart}-{self.chart_version}" if self.chart_version else self.chart

    @property
    def pending(self) -> bool:
        return self.status.startswith(HELM_PENDING_PREFIX)

    def workload(self, namespace: str, name: str) -> WorkloadSpec | None:
        for w in self.workloads:
            if w.name == name and (w.namespace or self.namespace) == namespace:
                return w
        return None


@dataclass(frozen=True, slots=True)
class ArgoApp:
    """An Argo CD Application: where it syncs from, its state, and its sync policy."""

    namespace: str
    name: str
    project: str
    repo: str | None
    chart: str | None
    target_revision: str | None
    destination_namespace: str | None
    sync_status: str  # Synced, OutOfSync, Unknown
    sync_revision: str | None
    health: str  # Healthy, Progressing, Degraded, Suspended, Missing, Unknown
    auto_sync: bool  # spec.syncPolicy.automated is set
    prune: bool
    self_heal: bool
    resources: tuple[tuple[str, str, str], ...]  # (kind, namespace, name) it manages

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def manages(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self.resources


@dataclass(frozen=True, slots=True)
class ApiGroup:
    """One API group from discovery (/apis) with the versions it serves."""

    name: str
    versions: tuple[str, ...]
    preferred: str | None


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference between the live Deployment and its Helm revision's manifest."""

    what: str  # "image", "limits.memory", "env", "replicas", "container"
    container: str | None
    helm: str  # as rendered, for a person
    live: str
    since: datetime | None  # when the live side last changed, when known

    @property
    def text(self) -> str:
        where = f" of {self.container}" if self.container else ""
        return f"{self.what}{where}: Helm {self.helm}, live {self.live}"


@dataclass(frozen=True)
class AdapterRelease:
    """One adapter as the Releases screen shows it: its owner, history and drift."""

    key: str  # namespace/deployment, like AdapterHealth.key
    platform: str
    release: str | None  # the Helm release that owns it
    history: tuple[HelmRevision, ...]  # newest first
    deployed: HelmRevision | None  # the revision Helm considers live
    drift: tuple[DriftItem, ...]
    argo: ArgoApp | None
    pinned: bool  # every image by @sha256: digest
    note: str | None  # "cannot see Helm releases: ...", "no Helm release found", ...

    @property
    def latest(self) -> HelmRevision | None:
        return self.history[0] if self.history else None


@dataclass(frozen=True)
class RollbackOwnership:
    """Who owns a Deployment, as the rollback preview shows it and the audit record keeps it.

    `owner` is "argocd" when an Argo CD Application manages the Deployment (it wins: it
    re-applies whatever it renders), "helm" when a Helm release does, else "none".
    """

    owner: str
    deployment: str  # namespace/name
    to_revision: int | None  # the Deployment (ReplicaSet) revision an undo returns to
    replicaset: str | None
    helm_release: str | None
    helm_namespace: str | None
    helm_revision: int | None  # the Helm revision that rendered that ReplicaSet
    deployed_helm_revision: int | None  # what Helm records as live now
    last_good_helm_revision: int | None  # newest deployed/superseded revision
    helm_command: str | None  # `helm rollback <release> <rev> -n <ns>`, to print verbatim
    argo_app: str | None  # namespace/name
    auto_sync: bool
    summary: str  # one line: who owns it and where the previous ReplicaSet came from
    warnings: tuple[str, ...]
    confirm_with: str | None  # the confirmation must name this (the auto-syncing Argo app)

    def audit_fields(self) -> dict[str, object]:
        """The owner as the audit record stores it (plain JSON values)."""
        return {
            "owner": self.owner,
            "helm_release": (
                f"{self.helm_namespace}/{self.helm_release}" if self.helm_release else None
            ),
            "helm_revision": self.helm_revision,
            "deployed_helm_revision": self.deployed_helm_revision,
            "argo_app": self.argo_app,
            "argo_auto_sync": self.auto_sync,
            "confirm_with": self.confirm_with,
        }
