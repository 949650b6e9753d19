"""One target (a cluster and the backends around it): its pollers, their scheduler, what it
remembers over time, and the after-read step that keeps that memory. A second cluster is a
second Target; the facade composes one."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from oc_console.config import Config
from oc_console.domain.alerts import AlertsSnapshot
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import RecentFailures
from oc_console.services.history import HistoryStore, SeenFindings
from oc_console.services.poller import Poller, utc_now
from oc_console.services.scheduler import SourceScheduler
from oc_console.services.snapshot_builder import SnapshotInputs, source_findings
from oc_console.services.sources import SOURCES

POOL_SATURATION = "pool_saturation"  # the history store's series the Changes screen draws


class Target:
    def __init__(
        self,
        config: Config,
        *,
        context_label: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.clock = clock  # when a read happened and what "now" a snapshot judges by
        self.context_label = context_label
        # pg_stat_activity text can hold literals (ALTER ROLE ... PASSWORD): `check` leaves it
        # out unless asked; the screens show it to the engineer at the keyboard.
        self.include_queries = True
        self.by_attr: dict[str, Poller[Any]] = {spec.attr: spec.build(config) for spec in SOURCES}
        self.postgres = cast("Poller[PoolSnapshot]", self.by_attr["postgres"])
        self.kube = cast("Poller[FleetSnapshot]", self.by_attr["kube"])
        self.prometheus = cast("Poller[MetricsSnapshot]", self.by_attr["prometheus"])
        self.traces = cast("Poller[str]", self.by_attr["traces"])
        self.alertmanager = cast("Poller[AlertsSnapshot]", self.by_attr["alertmanager"])
        self.recent_orders = cast("Poller[RecentFailures]", self.by_attr["recent_orders"])
        self.scheduler = SourceScheduler(
            tuple(self.by_attr.values()),
            eager=[self.by_attr[s.attr] for s in SOURCES if s.eager],
            after_pool=[self.by_attr[s.attr] for s in SOURCES if s.after_pool],
            warm_up=self._import_clients,
            refresh_seconds=config.ui.refresh_seconds,
        )
        self.history = HistoryStore()
        self.seen = SeenFindings()
        self.postgres.on_read.append(self._record_pool)
        for poller in self.by_attr.values():
            poller.clock = clock
            poller.on_read.append(self._remember_findings)

    @property
    def pollers(self) -> tuple[Poller[Any], ...]:
        return self.scheduler.pollers

    def _import_clients(self) -> None:
        if self.kube.configured:
            from oc_console.sources.kube.client import import_kubernetes

            import_kubernetes()  # under the lock every other first import takes
        if self.prometheus.configured:
            importlib.import_module("prometheus_api_client")

    # --- the after-read step: the only place the target's memory changes ----------------
    def _record_pool(self) -> None:
        """Pool saturation over time, for the Changes screen (the latest read per bucket)."""
        db, at = self.postgres.value, self.postgres.fetched_at
        if db is not None and at is not None:
            self.history.record(POOL_SATURATION, at.timestamp(), db.saturation_pct / 100)

    def _remember_findings(self) -> None:
        """When each finding was last seen: only pages need it, so only with Alertmanager."""
        if not self.alertmanager.configured:
            return
        inputs = self.inputs()
        findings, _ = source_findings(inputs, self.config)
        self.seen.remember(findings, inputs.now)

    # --- what a snapshot is built from -------------------------------------------------
    def inputs(self) -> SnapshotInputs:
        return SnapshotInputs(
            now=self.clock(),
            context_label=self.context_label,
            sources=tuple(p.health() for p in self.pollers),
            fleet=self.kube.value,
            metrics=self.prometheus.value,
            database=self.postgres.value,
            recent_orders=self.recent_orders.value,
            recent_orders_error=self.recent_orders.error,
            alerts=self.alertmanager.value,
            pool_history=self.history.points(POOL_SATURATION),
            include_queries=self.include_queries,
            tls=self.by_attr["tls"].value,
        )
