"""The snapshot builder: the sources' latest values in, a ConsoleSnapshot with findings out.

Pure: it changes nothing it reads, so building a snapshot twice from the same inputs gives the
same snapshot. What the console remembers between reads (the pool's history, when a finding
was last seen) is updated by the scheduler's after-read step and arrives here as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oc_console.analysis.alerts import (
    DEFAULT_ALERT_FINDINGS,
    annotate,
    match_alerts,
    unexplained_findings,
)
from oc_console.analysis.changes import changed_before_it_broke, fleet_changes
from oc_console.analysis.database import bouncer_findings, pool_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.metrics import metrics_findings
from oc_console.analysis.orders import recent_failure_findings
from oc_console.analysis.release_findings import release_findings
from oc_console.analysis.tls import tls_findings
from oc_console.analysis.vm import vm_findings, vm_worded
from oc_console.config import Config
from oc_console.domain.alerts import AlertMatch, AlertsSnapshot
from oc_console.domain.changes import Change
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.health import SourceHealth
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import RecentFailures
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.tls import TlsSnapshot

_Changes = tuple[tuple[Change, ...], tuple[Finding, ...], float]


class ClearedMemory(Protocol):
    """Read-only: the findings seen lately that are no longer among `findings`."""

    def cleared(self, findings: list[Finding], now: datetime) -> list[tuple[Finding, datetime]]: ...


@dataclass(frozen=True)
class SnapshotInputs:
    """Everything one snapshot is built from, read from one target at one moment."""

    now: datetime
    context_label: str | None
    sources: tuple[SourceHealth, ...]
    fleet: FleetSnapshot | None = None
    metrics: MetricsSnapshot | None = None
    database: PoolSnapshot | None = None
    recent_orders: RecentFailures | None = None
    recent_orders_error: str | None = None
    alerts: AlertsSnapshot | None = None
    pool_history: tuple[tuple[float, float], ...] = ()
    include_queries: bool = True  # pg_stat_activity text: `check` leaves it out unless asked
    tls: TlsSnapshot | None = None  # the TLS handshakes with what the platform serves


def _database(inputs: SnapshotInputs) -> PoolSnapshot | None:
    database = inputs.database
    if database is not None and not inputs.include_queries:
        return database.without_queries()  # before the analysis: its evidence quotes queries
    return database


def source_findings(inputs: SnapshotInputs, config: Config) -> tuple[list[Finding], list[Change]]:
    """What the analysis says about the sources' values (before Alertmanager's pages are
    tied to it), and the fleet's changes, newest first."""
    fleet, metrics, database, now = inputs.fleet, inputs.metrics, _database(inputs), inputs.now
    findings: list[Finding] = []
    if database is not None:
        findings += pool_findings(database, config.postgres.thresholds, fleet)
    changes: list[Change] = []
    if fleet is not None:
        findings += vm_worded(kube_findings(fleet, now, config.kubernetes.thresholds), fleet)
        findings += vm_findings(fleet)
        findings += release_findings(fleet, now)
        kept_changes, broke, _ = _changes(fleet, metrics, config)
        changes = list(kept_changes)
        findings += broke
    if metrics is not None:
        platforms = [a.platform for a in fleet.adapters] if fleet else []
        findings += metrics_findings(
            metrics, config.prometheus.thresholds, expected_platforms=platforms
        )
        findings += bouncer_findings(metrics.pgbouncer)
    if inputs.recent_orders is not None:
        findings += recent_failure_findings(inputs.recent_orders)
    if inputs.tls is not None:  # served certificates against what their Secrets hold
        findings += tls_findings(inputs.tls, fleet.certificates if fleet else (), now)
    return findings, changes


# per cluster context: the fleet and metrics answer last worked out, and what they gave; only
# the newest per context is kept, so no fleet outlives the one its console holds
_CHANGES: dict[str | None, tuple[FleetSnapshot, object, _Changes]] = {}


def _changes(fleet: FleetSnapshot, metrics: MetricsSnapshot | None, config: Config) -> _Changes:
    """The fleet's changes and the changes it broke after, which read no clock: worked out once
    per fleet and metrics answer. The cluster's watch cache and Prometheus hand back the same
    objects until something changes, while the pool's probe brings a new answer every tick
    (its sessions' ages), and this was the larger part of rebuilding the snapshot for it."""
    threshold = config.prometheus.thresholds.error_ratio_warning
    seen = _CHANGES.get(fleet.context)
    if seen is not None and seen[0] is fleet and seen[1] is metrics and seen[2][2] == threshold:
        return seen[2]
    changes = fleet_changes(fleet)
    broke = changed_before_it_broke(fleet, changes, metrics=metrics, error_threshold=threshold)
    value = (tuple(changes), tuple(broke), threshold)
    _CHANGES[fleet.context] = (fleet, metrics, value)
    return value


def _pages(
    inputs: SnapshotInputs, config: Config, findings: list[Finding], memory: ClearedMemory
) -> tuple[tuple[AlertMatch, ...], list[Finding]]:
    """Alertmanager's alerts tied to the findings that explain them; what the console cannot
    see leads the warnings, since it may be the real cause."""
    if inputs.alerts is None:
        return (), findings
    cfg = config.alertmanager
    pages = match_alerts(
        inputs.alerts.alerts,
        findings,
        alert_findings={**DEFAULT_ALERT_FINDINGS, **cfg.findings},
        label_renames=cfg.labels,
        cleared=memory.cleared(findings, inputs.now),
    )
    return pages, unexplained_findings(pages, inputs.now) + annotate(findings, pages)


def build_snapshot(
    inputs: SnapshotInputs, config: Config, memory: ClearedMemory
) -> ConsoleSnapshot:
    findings, changes = source_findings(inputs, config)
    pages, findings = _pages(inputs, config, findings, memory)
    fleet = inputs.fleet
    return ConsoleSnapshot(
        generated_at=inputs.now,
        context=inputs.context_label or (fleet.context if fleet else None) or "-",
        namespaces=config.kubernetes.namespaces,
        read_only=config.read_only,
        sources=inputs.sources,
        database=_database(inputs),
        findings=tuple(findings),
        fleet=fleet,
        metrics=inputs.metrics,
        recent_orders=inputs.recent_orders,
        recent_orders_error=inputs.recent_orders_error,
        alerts=inputs.alerts,
        pages=pages,
        changes=tuple(changes),
        pool_history=inputs.pool_history,
    )
