"""Pool snapshot -> findings. Pure: thresholds come in as arguments."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from oc_console.analysis.owners import OwnerIndex, owners_line, session_owners
from oc_console.domain.database import BouncerPool, PoolSnapshot, Session
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity, Urgency
from oc_console.domain.kube import FleetSnapshot

SUBJECT = "postgres"


@dataclass(frozen=True)
class PoolThresholds:
    saturation_warning_pct: float = 80.0
    saturation_critical_pct: float = 95.0
    idle_in_transaction_count: int = 100
    idle_in_transaction_minutes: float = 5.0


def _idle_owners(snapshot: PoolSnapshot, index: OwnerIndex | None) -> tuple[str, ...]:
    """The owners of the sessions idle in transaction (of those the probe returned)."""
    if index is None:
        return ()
    counts: Counter[str] = Counter()
    for s in snapshot.idle_in_transaction:
        owner = _session_owner(s, index)
        counts[owner.removeprefix(" -> ") or "no owner found"] += 1
    return ("owners: " + ", ".join(f"{who} {n}" for who, n in counts.most_common(3)),)


def _top_apps(snapshot: PoolSnapshot, limit: int = 3) -> str:
    apps = Counter(s.application_name or "(no name)" for s in snapshot.idle_in_transaction)
    return ", ".join(f"{app} {n}" for app, n in apps.most_common(limit))


def _owners_evidence(
    snapshot: PoolSnapshot, fleet: FleetSnapshot | None, index: OwnerIndex | None
) -> tuple[str, ...]:
    owners = session_owners(snapshot, fleet, index)
    return (f"owners: {owners_line(owners)}",) if owners else ()


def _session_owner(s: Session, index: OwnerIndex | None) -> str:
    owner = index.of_session(s) if index is not None else None
    if owner is None:
        return ""
    return f" -> {owner.label} {owner.matched_text}"


def saturation(
    snapshot: PoolSnapshot,
    t: PoolThresholds,
    fleet: FleetSnapshot | None = None,
    index: OwnerIndex | None = None,
) -> list[Finding]:
    pct = snapshot.saturation_pct
    if pct < t.saturation_warning_pct:
        return []
    severity = Severity.CRITICAL if pct >= t.saturation_critical_pct else Severity.WARNING
    top = ", ".join(f"{a or '(no name)'} {n}" for a, n in snapshot.sessions_by_application[:3])
    return [
        Finding(
            id="pool-saturation",
            severity=severity,
            subject=SUBJECT,
            summary=(
                f"{snapshot.total_sessions} of {snapshot.usable_connections} usable connections "
                f"are taken ({pct:.0f} %); new clients will be refused at 100 %."
            ),
            evidence=(
                f"max_connections={snapshot.max_connections}, "
                f"reserved={snapshot.reserved_connections}",
                "by state: " + ", ".join(f"{s} {n}" for s, n in snapshot.sessions_by_state),
                f"by application: {top}",
                *_owners_evidence(snapshot, fleet, index),
            ),
            runbook="pool-exhaustion",
            # a warning is a clock running towards refused clients; critical refuses them
            urgency=Urgency.NOW if severity is Severity.CRITICAL else Urgency.SOON,
            touches=snapshot.total_sessions,
        )
    ]


def idle_in_transaction(
    snapshot: PoolSnapshot, t: PoolThresholds, index: OwnerIndex | None = None
) -> list[Finding]:
    findings: list[Finding] = []
    count = snapshot.idle_in_transaction_count
    if count > t.idle_in_transaction_count:
        findings.append(
            Finding(
                id="pool-idle-in-transaction",
                severity=Severity.CRITICAL,
                subject=SUBJECT,
                summary=(
                    f"{count} sessions sit idle in transaction (threshold "
                    f"{t.idle_in_transaction_count}): they hold connections and locks "
                    "while doing nothing."
                ),
                evidence=(
                    f"most from: {_top_apps(snapshot)}",
                    *_idle_owners(snapshot, index),
                    f"oldest transaction {human_duration(snapshot.oldest_xact_age_s)} "
                    f"(pid {snapshot.oldest_xact_pid})",
                ),
                runbook="pool-exhaustion",
                touches=count,
            )
        )
    limit_s = t.idle_in_transaction_minutes * 60
    old = [s for s in snapshot.idle_in_transaction if (s.xact_age_s or 0) > limit_s]
    if old:
        worst = old[0]
        findings.append(
            Finding(
                id="pool-long-idle-transaction",
                severity=Severity.WARNING,
                subject=SUBJECT,
                summary=(
                    f"{len(old)} sessions have been idle in transaction for more than "
                    f"{t.idle_in_transaction_minutes:g} min, the oldest for "
                    f"{human_duration(worst.xact_age_s)} "
                    f"(pid {worst.pid}, {worst.application_name})."
                ),
                evidence=tuple(
                    f"pid {s.pid} {s.application_name} {s.client_addr or 'local'} "
                    f"{human_duration(s.xact_age_s)}{_session_owner(s, index)}: {s.query[:70]}"
                    for s in old[:5]
                ),
                runbook="pool-exhaustion",
                touches=len(old),
            )
        )
    return findings


def blocking_chains(snapshot: PoolSnapshot) -> list[Finding]:
    if not snapshot.blocked:
        return []
    tree = snapshot.blocking_tree()
    waiting = {b.session.pid for b in snapshot.blocked}
    roots = [s for depth, s in tree if depth == 0 and s.pid not in waiting]
    depth = max((d for d, _ in tree), default=0)
    longest = max((b.session.state_age_s or 0 for b in snapshot.blocked), default=0)
    root = roots[0] if roots else None
    who = (
        f"pid {root.pid} ({root.application_name or 'no name'}, {root.state or 'state hidden'})"
        if root
        else "a cycle"
    )
    return [
        Finding(
            id="pool-blocking-chain",
            severity=Severity.WARNING if longest < 60 else Severity.CRITICAL,
            subject=SUBJECT,
            summary=(
                f"{len(snapshot.blocked)} sessions wait on locks held by {who}, "
                f"a chain {depth + 1} deep; the longest has waited {human_duration(longest)}."
            ),
            evidence=tuple(
                f"{'  ' * d}pid {s.pid} {s.application_name} {s.state}: {s.query[:70]}"
                for d, s in tree[:8]
            ),
            runbook="pool-exhaustion",
            touches=len(snapshot.blocked),
        )
    ]


def visibility(snapshot: PoolSnapshot) -> list[Finding]:
    note = snapshot.visibility_note
    if note is None:
        return []
    return [
        Finding(
            id="pool-limited-visibility",
            severity=Severity.WARNING,
            subject=SUBJECT,
            summary=f"The console sees only part of the pool: {note}.",
            evidence=("grant pg_monitor to this role to see every session",),
            urgency=Urgency.LATER,
        )
    ]


def pool_findings(
    snapshot: PoolSnapshot, t: PoolThresholds | None = None, fleet: FleetSnapshot | None = None
) -> list[Finding]:
    """With the fleet, the findings name the Deployment (pod) that holds the sessions."""
    t = t or PoolThresholds()
    index = OwnerIndex(fleet) if fleet is not None else None
    found = [
        *saturation(snapshot, t, fleet, index),
        *idle_in_transaction(snapshot, t, index),
        *blocking_chains(snapshot),
        *visibility(snapshot),
    ]
    # the runbook's application_name: whose sessions hold the pool, named once for every rule
    app = leaking_application(snapshot)
    params = (("application_name", app),) if app is not None else ()
    return [replace(f, params=params) if f.runbook else f for f in found]


def leaking_application(snapshot: PoolSnapshot) -> str | None:
    """The application_name holding the most sessions idle in a transaction."""
    counts = Counter(s.application_name for s in snapshot.idle_in_transaction)
    return max(counts, key=lambda app: counts[app]) if counts else None


def _bouncer_evidence(p: BouncerPool) -> tuple[str, ...]:
    def n(value: float | None) -> str:
        return "?" if value is None else f"{value:g}"

    wait = f", the oldest waiting {human_duration(p.max_wait_s)}" if p.max_wait_s else ""
    servers = (
        f"servers: {n(p.server_active)} active, {n(p.server_idle)} idle, {n(p.server_used)} used"
        if p.server_idle is not None
        else f"servers open: {n(p.servers)} (this exporter has no per-pool server counts)"
    )
    return (
        f"clients: {n(p.client_active)} active, {n(p.client_waiting)} waiting{wait}",
        f"{servers}; pool_size {n(p.pool_size)}",
        f"PgBouncer {p.instance or '?'}, through its Prometheus exporter",
    )


def bouncer_findings(pools: tuple[BouncerPool, ...]) -> list[Finding]:
    """Clients waiting with no idle server: PgBouncer's pool is exhausted before PostgreSQL's
    max_connections is, so PostgreSQL's own view looks fine while clients queue."""
    findings = []
    for p in pools:
        if p.exhausted:
            severity, why = Severity.CRITICAL, "and no server is idle: the pool is exhausted"
        elif p.client_waiting and p.no_idle_server is None:
            severity, why = Severity.WARNING, "(whether a server is idle is not exported)"
        else:
            continue
        findings.append(
            Finding(
                id="pgbouncer-pool-exhausted",
                severity=severity,
                subject=f"pgbouncer {p.database}/{p.user}",
                summary=(
                    f"{p.client_waiting} clients wait for a PgBouncer server on "
                    f"{p.database}/{p.user} {why} before PostgreSQL's own connections are."
                    if severity is Severity.CRITICAL
                    else f"{p.client_waiting} clients wait for a PgBouncer server on "
                    f"{p.database}/{p.user} {why}."
                ),
                evidence=_bouncer_evidence(p),
                touches=p.client_waiting or 1,
            )
        )
    return findings
