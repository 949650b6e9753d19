"""The service facade: the one object the screens and the CLI talk to.

It owns a poller per source, turns their latest values into a ConsoleSnapshot with findings,
and carries the source capabilities (logs, cancel/terminate a backend) so screens never touch
a client.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any, Protocol

from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.analysis.drift import release_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.metrics import metrics_findings
from oc_console.analysis.orders import recent_failure_findings
from oc_console.config import Config
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import OrderTimeline, RecentFailures, validate_order_id
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog
from oc_console.services.poller import Poller, utc_now
from oc_console.sources import postgres_sql


class LogStream(Protocol):
    """A followed pod log: the newest lines in a bounded ring, filled by a thread."""

    received: int
    error: str | None
    ended: bool

    def lines(self) -> tuple[LogLine, ...]: ...

    def stop(self, timeout: float = 2.0) -> None: ...


def _sources(config: Config) -> tuple[Any, Any, Any]:
    """Only configured sources are built; the heavy clients are imported here, lazily."""
    postgres = kube = prometheus = None
    if config.postgres_configured:
        from oc_console.sources.postgres import PostgresSource

        postgres = PostgresSource(config.postgres)
    if config.kubernetes_configured:
        from oc_console.sources.kube.source import KubeSource

        kube = KubeSource(config.kubernetes)
    if config.prometheus_configured:
        from oc_console.sources.prometheus import PrometheusSource

        prometheus = PrometheusSource(config.prometheus, config.kubernetes.namespaces)
    return postgres, kube, prometheus


class Console:
    def __init__(
        self, config: Config, *, context_label: str | None = None, audit: AuditLog | None = None
    ) -> None:
        self.config = config
        self.context_label = context_label or config.kubernetes.context
        self.audit = audit or AuditLog()
        postgres, kube, prometheus = _sources(config)
        self.postgres: Poller[PoolSnapshot] = Poller(postgres, "postgres")
        self.kube: Poller[FleetSnapshot] = Poller(kube, "kubernetes")
        self.prometheus: Poller[MetricsSnapshot] = Poller(
            prometheus, "prometheus", every=config.prometheus.refresh_seconds
        )
        traces: Any = None
        orders: Any = None
        if config.traces_configured:
            from oc_console.sources.traces.probe import TracesProbe

            traces = TracesProbe(config.traces)
        if postgres is not None:
            from oc_console.sources.orders_db import OrdersDb

            orders = OrdersDb(config.postgres, config.orders)
        self.traces: Poller[str] = Poller(traces, "traces", every=config.traces.refresh_seconds)
        # the recent failures feed findings; the pool's health already speaks for PostgreSQL
        self.recent_orders: Poller[RecentFailures] = Poller(
            orders, "orders", every=config.orders.refresh_seconds
        )
        self.pollers: tuple[Poller[Any], ...] = (
            self.postgres,
            self.kube,
            self.prometheus,
            self.traces,
        )
        self._clients_imported = False

    @property
    def thresholds(self) -> PoolThresholds:
        pg = self.config.postgres
        return PoolThresholds(
            idle_in_transaction_count=pg.idle_in_transaction_threshold,
            idle_in_transaction_minutes=pg.idle_in_transaction_max_minutes,
        )

    async def refresh(self, *, force: bool = False) -> ConsoleSnapshot:
        """Tick every poller at once (each skips itself while its last tick still runs)."""
        await self._import_clients()
        await asyncio.gather(*(p.tick(force=force) for p in self.pollers))
        # after the pool probe, so the probe never counts a connection being opened beside it
        await self.recent_orders.tick(force=force)
        return self.snapshot()

    async def _import_clients(self) -> None:
        """The kubernetes and Prometheus clients both import `requests`; two threads importing
        them at once can see it half-initialised. Import them once, in one worker thread."""
        if self._clients_imported:
            return
        modules = [
            name
            for poller, name in (
                (self.kube, "kubernetes.client"),
                (self.prometheus, "prometheus_api_client"),
            )
            if poller.configured
        ]

        def load() -> None:
            for name in modules:
                importlib.import_module(name)

        await asyncio.to_thread(load)
        self._clients_imported = True

    async def refresh_kube(self) -> ConsoleSnapshot:
        """Only the watch cache's view: cheap, for redrawing soon after a cluster change."""
        await self._import_clients()
        await self.kube.tick(force=True)
        return self.snapshot()

    async def wait_for_kube_change(self, after: int, timeout: float) -> int:
        """The watch cache's generation once it passes `after`, or `after` at the timeout."""
        source: Any = self.kube.source
        if source is None or self.kube.value is None:
            await asyncio.sleep(timeout)
            return after
        generation: int = await source.wait_for_change(after, timeout)
        return generation

    def snapshot(self) -> ConsoleSnapshot:
        now = utc_now()
        fleet, metrics = self.kube.value, self.prometheus.value
        findings: list[Finding] = []
        if self.postgres.value is not None:
            findings += pool_findings(self.postgres.value, self.thresholds)
        if fleet is not None:
            findings += kube_findings(fleet, now)
            findings += release_findings(fleet, now)
        if metrics is not None:
            platforms = [a.platform for a in fleet.adapters] if fleet else []
            findings += metrics_findings(metrics, expected_platforms=platforms)
        if self.recent_orders.value is not None:
            findings += recent_failure_findings(self.recent_orders.value)
        if metrics is not None:
            # Prometheus warnings (partial data, a stand-in) are shown, never dropped
            notes = ["stand-in"] if metrics.stand_in else []
            if metrics.warnings and not metrics.stand_in:
                notes.append(f"{len(metrics.warnings)} warnings")
            self.prometheus.detail = ", ".join(notes) or None
        context = self.context_label or (fleet.context if fleet else None) or "-"
        return ConsoleSnapshot(
            generated_at=now,
            context=context,
            namespaces=self.config.kubernetes.namespaces,
            read_only=self.config.read_only,
            sources=tuple(p.health() for p in self.pollers),
            database=self.postgres.value,
            findings=tuple(findings),
            fleet=fleet,
            metrics=metrics,
            recent_orders=self.recent_orders.value,
            recent_orders_error=self.recent_orders.error,
        )

    async def close(self) -> None:
        pollers = (*self.pollers, self.recent_orders)
        await asyncio.gather(*(p.close() for p in pollers), return_exceptions=True)

    # --- order lookup ---
    def check_order_id(self, text: str) -> str:
        """The ID, or a UserError naming why it is refused."""
        cfg = self.config.orders
        return validate_order_id(text, cfg.id_pattern, cfg.id_max_length)

    async def lookup_order(
        self, order_id: str, on_update: Callable[[OrderTimeline], None] | None = None
    ) -> OrderTimeline:
        """One order's timeline; every part is handed to `on_update` as it arrives."""
        from oc_console.services.orders import OrderLookup

        order_id = self.check_order_id(order_id)
        await self._import_clients()
        kube: Any = self.kube.source
        db: Any = self.recent_orders.source
        probe: Any = self.traces.source

        async def fleet() -> FleetSnapshot | None:
            if self.kube.value is not None:
                return self.kube.value
            await self.kube.tick(force=True)
            if self.kube.value is None:
                raise SourceError(self.kube.error or "the cluster was not read")
            return self.kube.value

        lookup = OrderLookup(
            self.config,
            db=db,
            traces=probe.backend if probe is not None else None,
            logs=kube,
            fleet=fleet if kube is not None else None,
        )
        return await lookup.run(order_id, on_update)

    # --- logs ---
    def _kube(self) -> Any:
        if self.kube.source is None:
            raise SourceError("Kubernetes is not configured")
        return self.kube.source

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, previous: bool = False, tail: int = 500
    ) -> tuple[LogLine, ...]:
        lines: tuple[LogLine, ...] = await self._kube().log_tail(
            namespace, pod, container, tail=tail, previous=previous
        )
        return lines

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 2000
    ) -> LogStream:
        """Follow a log from its last `tail` lines: enough history to filter by an order id."""
        stream: LogStream = self._kube().follow_logs(namespace, pod, container, tail=tail)
        return stream

    # --- database capabilities ---
    def _pg(self) -> Any:
        if self.postgres.source is None:
            raise SourceError("PostgreSQL is not configured")
        if self.config.read_only:
            raise SourceError("read-only mode: backends cannot be cancelled or terminated")
        return self.postgres.source

    async def cancel_backend(self, pid: int) -> bool:
        return await self._signal_backend("cancel-backend", postgres_sql.CANCEL, pid)

    async def terminate_backend(self, pid: int) -> bool:
        return await self._signal_backend("terminate-backend", postgres_sql.TERMINATE, pid)

    async def _signal_backend(self, action: str, statement: str, pid: int) -> bool:
        source = self._pg()
        async with self.audit.action(
            action,
            context=self.context_label or "-",
            target=f"{source.where} pid {pid}",
            params={"pid": pid},
            preview=statement.replace("$1::int", str(pid)),
        ) as outcome:
            sent: bool = await source.signal_backend(statement, pid)
            outcome["result"] = "signalled" if sent else "no such backend"
        return sent
