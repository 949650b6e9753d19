"""What changed, and whether a change came just before something broke.

Changes come from the watch cache alone (no list call of their own): a new ReplicaSet is a
rollout, and its pod template against the previous revision's says what the rollout changed; an
autoscaler's lastScaleTime is a rescale; a TLS certificate's notBefore is its (re)issue; a Helm
release revision is an upgrade or rollback; a ConfigMap's or an Opaque Secret's newest
managedFields time is an edit (its name and time only, never its data).

"Changed before it broke": an adapter that started crash-looping, being OOMKilled or failing
with 5xx within `window` after a change to it is most likely broken by that change, and the
first thing to try is undoing it. Only the changes that touch that adapter count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oc_console.analysis.drift import adapter_history, workload_drift
from oc_console.analysis.metrics import MetricsThresholds
from oc_console.domain.acted_on import action_changes
from oc_console.domain.changes import CONFIG, HELM, RENEWAL, ROLLOUT, SCALE, Change
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.releases import WorkloadSpec

# A change within this long before the breakage is named as its likely cause: long enough for
# a slow rollout and a leak that takes a while to hit the limit, short enough not to blame
# yesterday's deploy for today's outage.
CHANGED_BEFORE_WINDOW = timedelta(minutes=30)


def template_changes(old: WorkloadSpec | None, new: WorkloadSpec | None) -> tuple[str, ...]:
    """What a rollout changed in the pod template: images, resources, env var names."""
    if old is None or new is None:
        return ()
    items = workload_drift(old, new, None, autoscaled=True)
    return tuple(
        f"{i.what}{f' of {i.container}' if i.container else ''}: {i.helm} -> {i.live}"
        for i in items
    )


def short_image(image: str) -> str:
    """`registry/adapter-shopee:2.15.0` -> `adapter-shopee:2.15.0`; a digest to 12 digits."""
    name = image.rsplit("/", 1)[-1]
    base, at, digest = name.partition("@sha256:")
    return f"{base}@{digest[:12]}" if at else name


def _rollouts(a: AdapterHealth) -> list[Change]:
    out = []
    ordered = sorted(a.revisions, key=lambda r: r.revision)
    for previous, r in zip([None, *ordered], ordered, strict=False):
        if r.created is None or previous is None:
            continue  # the oldest revision kept is where history starts, not a change
        changed = [i for i in r.images if i not in previous.images] or list(r.images[-1:])
        images = ", ".join(short_image(i) for i in changed)
        out.append(
            Change(
                at=r.created,
                kind=ROLLOUT,
                subject=a.key,
                summary=f"rollout to revision {r.revision} (image {images})",
                details=template_changes(previous.spec, r.spec)
                + ((f"change-cause: {r.change_cause}",) if r.change_cause else ()),
            )
        )
    return out


def fleet_changes(fleet: FleetSnapshot, since: datetime | None = None) -> list[Change]:
    """Every change the cache can see, newest first; only those at or after `since`."""
    out: list[Change] = []
    for a in fleet.adapters:
        out += _rollouts(a)
        hpa = a.hpa
        if hpa is not None and hpa.last_scale is not None:
            out.append(
                Change(
                    hpa.last_scale,
                    SCALE,
                    a.key,
                    f"autoscaler {hpa.name} scaled to {hpa.desired_replicas} replicas "
                    f"({hpa.min_replicas}-{hpa.max_replicas})",
                )
            )
        for h in adapter_history(fleet, a):
            if h.last_deployed is None:
                continue
            out.append(
                Change(
                    h.last_deployed,
                    HELM,
                    a.key,
                    f"helm {h.release} revision {h.revision} ({h.chart_text}): {h.status}",
                    (h.description,) if h.description else (),
                )
            )
    for c in fleet.certificates:
        # from the Secret when it was read, else the Certificate's status (a covered Secret
        # is never read)
        issued = c.tls.not_before if c.tls else c.issued_at
        until = c.tls.not_after if c.tls else c.not_after
        if issued is not None and until is not None:
            out.append(
                Change(
                    issued,
                    RENEWAL,
                    c.key,
                    f"certificate {c.name} issued, valid until {until:%Y-%m-%d %H:%M}",
                )
            )
    for o in fleet.config_objects:
        if o.changed_at is not None:
            # the name and the time only: what changed inside a Secret is never read
            summary = f"{o.kind} {o.name} changed"
            out.append(Change(o.changed_at, CONFIG, f"{o.namespace}/{o.name}", summary))
    out += action_changes(fleet)  # what any oc-console did, from the Events it left
    kept = [c for c in out if since is None or c.at >= since]
    return sorted(kept, key=lambda c: c.at, reverse=True)


def errors_began(history: tuple[tuple[float, float], ...], threshold: float) -> datetime | None:
    """The start of the run of 5xx shares at or over `threshold` that reaches the newest point
    (the first point, when it is over for the whole window: it began at or before then)."""
    began: float | None = None
    for t, share in history:
        began = (t if began is None else began) if share >= threshold else None
    return datetime.fromtimestamp(began, UTC) if began is not None else None


def breakage_start(
    fleet: FleetSnapshot,
    a: AdapterHealth,
    metrics: MetricsSnapshot | None = None,
    error_threshold: float = MetricsThresholds.error_ratio_warning,
) -> tuple[str, datetime] | None:
    """When the adapter began to break, as the console can tell: the first crash-looping
    pod's creation, the earliest OOM kill still on record, or when its 5xx share crossed the
    warning threshold."""
    pods = fleet.pods_of(a)
    looping = [p.created for p in pods if p.created and any(c.crashloop for c in p.containers)]
    if looping:
        return "the crash loop", min(looping)
    ooms = [c.last_finished_at for p in pods for c in p.containers
            if c.oomkilled and c.last_finished_at]  # fmt: skip
    if ooms:
        return "the OOM kills", min(ooms)
    signals = metrics.adapter(a.platform) if metrics else None
    began = errors_began(signals.error_ratio_history, error_threshold) if signals else None
    return ("the 5xx errors", began) if began else None


def changed_before_it_broke(
    fleet: FleetSnapshot,
    changes: list[Change],
    window: timedelta = CHANGED_BEFORE_WINDOW,
    *,
    metrics: MetricsSnapshot | None = None,
    error_threshold: float = MetricsThresholds.error_ratio_warning,
) -> list[Finding]:
    out = []
    for a in fleet.adapters:
        broke = breakage_start(fleet, a, metrics, error_threshold)
        if broke is None:
            continue
        what, began = broke
        before = [
            c
            for c in changes
            if c.subject == a.key and c.kind in (ROLLOUT, HELM) and began - window <= c.at <= began
        ]
        if not before:
            continue
        # a ReplicaSet is when the template changed; a failed Helm upgrade is recorded when
        # Helm gave up, after the damage: prefer the rollout
        rollouts = [c for c in before if c.kind == ROLLOUT]
        last = max(rollouts or before, key=lambda c: c.at)
        gap = (began - last.at).total_seconds()
        # a ReplicaSet and its first pod are often stamped in the same second: "0ms before"
        # would read as a measurement
        lead = f"{human_duration(gap)} before" if gap >= 1 else "as"
        out.append(
            Finding(
                id="changed-before-it-broke",
                severity=Severity.WARNING,
                subject=a.key,
                summary=f"{last.summary[0].upper()}{last.summary[1:]} {lead} {what} began: "
                "the change is the likely cause; roll it back first.",
                evidence=(
                    f"{last.kind} at {last.at:%Y-%m-%d %H:%M:%S}",
                    f"{what} began at {began:%Y-%m-%d %H:%M:%S}",
                    *last.details,
                ),
                runbook="adapter-crashloop",
                urgency=Urgency.FIRST_MOVE,  # it names the move: leads what it explains
                since=last.at,
                target=Target.deployment(a.namespace, a.name, a.platform),
            )
        )
    return out
