"""What the console knows about the cluster: small frozen rows, not API objects.

A 10k-pod fleet is kept as plain tuples of these records (slots, interned strings), so a
snapshot stays a few MB and can be handed to the UI and the analysis without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oc_console.domain.external_secrets import ExternalSecretState
from oc_console.domain.releases import ApiGroup, ArgoApp, HelmRevision, OwnerRefs, WorkloadSpec
from oc_console.domain.vm import VmContainer

# Rollout states, as `kubectl rollout status` decides them.
ROLLOUT_COMPLETE = "complete"  # "successfully rolled out"
ROLLOUT_PROGRESSING = "progressing"  # "Waiting for deployment ... rollout to finish"
ROLLOUT_STUCK = "stuck"  # Progressing=False, reason ProgressDeadlineExceeded
ROLLOUT_PENDING = "pending"  # "Waiting for deployment spec update to be observed"


@dataclass(frozen=True, slots=True)
class ContainerState:
    name: str
    kind: str  # "app", "init", or "sidecar" (an init container with restartPolicy Always)
    image: str
    state: str  # "running", "waiting", "terminated", or "unknown" (no status yet)
    reason: str | None  # waiting or terminated reason: CrashLoopBackOff, Completed, ...
    ready: bool
    restart_count: int
    last_reason: str | None  # lastState.terminated: OOMKilled, Error, or None when unset
    last_exit_code: int | None
    last_finished_at: datetime | None
    memory_request: int | None  # bytes
    memory_limit: int | None  # bytes

    @property
    def crashloop(self) -> bool:
        return self.state == "waiting" and self.reason == "CrashLoopBackOff"

    @property
    def oomkilled(self) -> bool:
        """Killed for memory now or the last time it ended (exit 137 with reason OOMKilled)."""
        return self.last_reason == "OOMKilled" or (
            self.state == "terminated" and self.reason == "OOMKilled"
        )


@dataclass(frozen=True, slots=True)
class PodRow:
    namespace: str
    name: str
    platform: str | None  # from the adapter label; None for pods that are not adapters
    phase: str  # Pending, Running, Succeeded, Failed, Unknown
    reason: str | None  # pod-level reason, e.g. Evicted
    ready: bool  # the Ready condition
    deleting: bool  # has a deletionTimestamp (kubectl shows Terminating)
    containers: tuple[ContainerState, ...]
    node: str | None
    created: datetime | None
    owner_rs: str | None  # the ReplicaSet that owns it, which names the revision
    ip: str | None = None  # status.podIP: a PostgreSQL session's client_addr names its pod

    @property
    def app_containers(self) -> tuple[ContainerState, ...]:
        return tuple(c for c in self.containers if c.kind != "init")

    @property
    def restarts(self) -> int:
        return sum(c.restart_count for c in self.containers)

    @property
    def ready_text(self) -> str:
        """kubectl's READY column: ready/total of the containers that keep running."""
        running = self.app_containers
        return f"{sum(c.ready for c in running)}/{len(running)}"

    @property
    def status_text(self) -> str:
        """kubectl's STATUS column, close enough to read the same at a glance."""
        if self.deleting:
            return "Terminating"
        for c in self.containers:
            if c.kind == "init" and c.state != "terminated" and c.reason:
                return f"Init:{c.reason}"
        for c in self.app_containers:
            if c.state in ("waiting", "terminated") and c.reason:
                return c.reason
        return self.reason or self.phase


@dataclass(frozen=True, slots=True)
class ImageRef:
    container: str
    image: str
    pinned: bool  # referenced by @sha256: digest, so it cannot drift


@dataclass(frozen=True, slots=True)
class HpaStatus:
    name: str
    min_replicas: int
    max_replicas: int
    current_replicas: int | None
    desired_replicas: int | None
    last_scale: datetime | None = None  # status.lastScaleTime


@dataclass(frozen=True, slots=True)
class Revision:
    revision: int
    replicaset: str
    replicas: int
    ready: int
    images: tuple[str, ...]
    created: datetime | None
    change_cause: str | None
    spec: WorkloadSpec | None = None  # its pod template, to say what a rollout changed


@dataclass(frozen=True, slots=True)
class AdapterHealth:
    """One adapter Deployment with its autoscaler and revision history."""

    platform: str
    namespace: str
    name: str
    desired: int
    current: int
    ready: int
    updated: int
    available: int
    rollout: str  # one of the ROLLOUT_* states
    rollout_message: str  # what `kubectl rollout status` would print
    paused: bool
    images: tuple[ImageRef, ...]
    revision: int | None  # deployment.kubernetes.io/revision of the Deployment
    selector: tuple[tuple[str, str], ...]  # matchLabels, to find its pods
    created: datetime | None
    hpa: HpaStatus | None = None
    revisions: tuple[Revision, ...] = ()  # newest first
    owner: OwnerRefs | None = None  # Helm / Argo CD annotations and labels
    spec: WorkloadSpec | None = None  # the template's containers, for drift against Helm

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def unpinned_images(self) -> tuple[ImageRef, ...]:
        return tuple(i for i in self.images if not i.pinned)


@dataclass(frozen=True, slots=True)
class EventRow:
    namespace: str
    name: str
    type: str  # Normal or Warning
    reason: str
    message: str
    object_kind: str
    object_name: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    source: str  # kubelet, default-scheduler, kernel-monitor (node-problem-detector), ...


@dataclass(frozen=True, slots=True)
class LogLine:
    """One log line. JSON lines (the OpenClaw convention) fill the fields; others keep `raw`."""

    ts: str | None
    level: str | None
    msg: str
    platform: str | None = None
    shop_id: str | None = None
    event_type: str | None = None
    trace_id: str | None = None
    order_id: str | None = None
    event_id: str | None = None
    raw: str | None = None  # the text of a line that is not a JSON object
    signature_mismatch: bool = False

    @property
    def text(self) -> str:
        return self.raw if self.raw is not None else self.msg


@dataclass(frozen=True, slots=True)
class PodLogTail:
    """The last lines of one container's log, read by the source for the analysis."""

    namespace: str
    pod: str
    container: str
    platform: str | None
    previous: bool  # the previous (crashed) container's log
    lines: tuple[LogLine, ...]
    fetched_at: datetime
    error: str | None = None

    @property
    def mismatches(self) -> tuple[LogLine, ...]:
        return tuple(line for line in self.lines if line.signature_mismatch)


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """What the certificate in a kubernetes.io/tls Secret says. The key is never read."""

    secret: str
    not_after: datetime
    not_before: datetime
    sans: tuple[str, ...]
    issuer: str
    subject: str
    fingerprint_sha256: str  # hex, colon-separated, of the DER certificate


@dataclass(frozen=True, slots=True)
class CertStatus:
    """A cert-manager Certificate joined with its Secret (or a TLS Secret on its own)."""

    namespace: str
    name: str
    secret: str
    dns_names: tuple[str, ...]
    managed: bool  # a cert-manager Certificate exists for it
    not_after: datetime | None  # the Secret's certificate when readable, else status.notAfter
    renewal_time: datetime | None
    renew_before: timedelta | None  # effective: spec, percentage, or cert-manager's default
    ready: bool | None  # None for a Secret without a Certificate
    issuing: bool
    reason: str | None  # of the Ready condition when it is not True
    message: str | None
    tls: TlsFacts | None = None
    tls_error: str | None = None  # the Secret is missing or its certificate is unreadable
    # When the current certificate was issued: its notBefore, from the Secret when it was read,
    # else the Certificate's status (a covered Secret is never read).
    issued_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def remaining(self, now: datetime) -> timedelta | None:
        return None if self.not_after is None else self.not_after - now


@dataclass(frozen=True, slots=True)
class ConfigObject:
    """A ConfigMap or an Opaque Secret: its name and when it last changed, never its data."""

    namespace: str
    kind: str  # "ConfigMap" or "Secret"
    name: str
    changed_at: datetime | None  # the newest managedFields time, else its creation
    # A ConfigMap's keys that look like credentials, by NAME only, with why (the key's name,
    # or its value's shape: the value itself is looked at while decoding, never kept).
    credential_keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WatchStatus:
    """The state of one list-then-watch stream (one resource kind in one namespace)."""

    kind: str
    namespace: str
    state: str  # "listing", "watching", "backoff", "denied", "unavailable", "stopped"
    items: int
    resource_version: str | None
    last_sync: datetime | None  # last list, event or bookmark
    error: str | None
    relists: int = 0
    reconnects: int = 0
    # The API server refused this identity (401/403) the verb named: the console cannot see
    # this kind here, which is not the same as there being none.
    denied_verb: str | None = None
    # The other names this stream is read under (one Secrets list feeds the Helm history).
    feeds: tuple[str, ...] = ()

    @property
    def stream(self) -> str:
        return f"{self.kind}/{self.namespace}"

    @property
    def denied(self) -> bool:
        return self.denied_verb is not None


@dataclass(frozen=True)
class FleetSnapshot:
    context: str
    namespaces: tuple[str, ...]
    adapters: tuple[AdapterHealth, ...]
    pods: tuple[PodRow, ...]
    events: tuple[EventRow, ...]
    certificates: tuple[CertStatus, ...]
    logs: tuple[PodLogTail, ...] = ()
    watches: tuple[WatchStatus, ...] = ()
    generation: int = 0  # bumps on every change the watches saw
    taken_at: datetime | None = None
    config_objects: tuple[ConfigObject, ...] = ()  # ConfigMaps and Opaque Secrets
    helm: tuple[HelmRevision, ...] = ()  # every release revision in the namespaces
    argo_apps: tuple[ArgoApp, ...] = ()
    external_secrets: tuple[ExternalSecretState, ...] = ()
    api_groups: tuple[ApiGroup, ...] | None = None  # None: discovery not read (yet)
    api_groups_error: str | None = None
    # What it was read from: "kubernetes", or "docker" (a VM's compose services and containers)
    engine: str = "kubernetes"
    vm: tuple[VmContainer, ...] = ()  # a Docker Engine's own facts of each container
    # Built on first use; not an init field, so dataclasses.replace() starts a fresh one.
    _by_platform: dict[str, tuple[PodRow, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def watch_status(self) -> str:
        """One line for the header: what the streams are doing and what went wrong."""
        if not self.watches:
            return "not started"
        bad = [w for w in self.watches if w.error]
        if bad:
            first = bad[0]
            more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
            return f"{first.stream}: {first.error}{more}"
        watching = sum(w.state == "watching" for w in self.watches)
        return f"watching {watching}/{len(self.watches)} streams"

    @property
    def unseen(self) -> tuple[WatchStatus, ...]:
        """Streams the cluster refuses to show (RBAC): a screen listing such a kind says
        "cannot see certificates" instead of "no certificates"."""
        return tuple(w for w in self.watches if w.denied)

    def can_see(self, kind: str, namespace: str | None = None) -> bool:
        """False when `kind` (e.g. "certificates.cert-manager.io", "events") is refused in
        `namespace`, or in any namespace when none is given."""
        return not any(
            w.kind == kind and (namespace is None or w.namespace == namespace) for w in self.unseen
        )

    @property
    def resource_versions(self) -> tuple[tuple[str, str | None], ...]:
        return tuple((w.stream, w.resource_version) for w in self.watches)

    def pods_of(self, adapter: AdapterHealth) -> tuple[PodRow, ...]:
        """The adapter's pods: same namespace and platform (one Deployment per platform)."""
        if not self._by_platform and self.pods:
            grouped: dict[str, list[PodRow]] = {}
            for p in self.pods:
                if p.platform is not None:
                    grouped.setdefault(f"{p.namespace}/{p.platform}", []).append(p)
            self._by_platform.update({k: tuple(v) for k, v in grouped.items()})
        return self._by_platform.get(f"{adapter.namespace}/{adapter.platform}", ())

    def logs_of(self, pod: PodRow, *, previous: bool) -> tuple[PodLogTail, ...]:
        return tuple(
            t
            for t in self.logs
            if t.namespace == pod.namespace and t.pod == pod.name and t.previous == previous
        )
