"""The service facade: the one object the screens and the CLI talk to.

It owns a poller per source, turns their latest values into a ConsoleSnapshot with findings,
and carries the source capabilities (logs, and every action through the runbook engine) so
screens never touch a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from oc_console.analysis.alerts import (
    DEFAULT_ALERT_FINDINGS,
    ClearedFindings,
    annotate,
    match_alerts,
    unexplained_findings,
)
from oc_console.analysis.changes import changed_before_it_broke, fleet_changes
from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.analysis.drift import release_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.metrics import metrics_findings
from oc_console.analysis.orders import recent_failure_findings
from oc_console.config import Config
from oc_console.domain.alerts import AlertMatch, AlertsSnapshot
from oc_console.domain.changes import Change
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import OrderTimeline, RecentFailures, validate_order_id
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.exposure import database_insecure, prometheus_insecure
from oc_console.runbook.audit import AuditLog
from oc_console.services.action_service import ActionService
from oc_console.services.actions import ConsoleActions
from oc_console.services.poller import Poller, utc_now


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

        kube = KubeSource(config.kubernetes, environ=config.environ)
    if config.prometheus_configured:
        from oc_console.sources.prometheus import PrometheusSource

        # One adapter pattern for the cluster view and the PromQL catalog: they cannot disagree.
        prometheus = PrometheusSource(
            config.prometheus, config.kubernetes.namespaces, config.kubernetes.adapter_pattern
        )
    return postgres, kube, prometheus


# One second over a source's own timeouts: its own message ("no answer within 5s") is the
# better one when it comes; the poller's deadline is for the fetch that never ends.
DEADLINE_MARGIN_SECONDS = 1.0
CHECK_POLL_SECONDS = 0.2  # how often `check` looks for sources' first answers
CLOSE_SECONDS = 2.0  # a source that cannot close in this long is left to its threads


def _deadlines(config: Config) -> tuple[float, float, float]:
    """(postgres, kubernetes, prometheus): each fetch's overall deadline."""
    pg = config.postgres
    return (
        pg.statement_timeout_ms / 1000 + pg.connect_timeout_seconds + DEADLINE_MARGIN_SECONDS,
        config.kubernetes.timeout_seconds + DEADLINE_MARGIN_SECONDS,
        config.prometheus.timeout_seconds + DEADLINE_MARGIN_SECONDS,
    )


def _alertmanager(config: Config) -> Any:
    if not config.alertmanager_configured:
        return None
    from oc_console.sources.alertmanager import AlertmanagerSource

    return AlertmanagerSource(config.alertmanager)


POOL_POINT_SECONDS = 30
POOL_HISTORY_POINTS = 6 * 3600 // POOL_POINT_SECONDS


class Console(ConsoleActions):
    def __init__(
        self, config: Config, *, context_label: str | None = None, audit: AuditLog | None = None
    ) -> None:
        self.config = config
        self.context_label = context_label or config.kubernetes.context
        self.audit = audit or AuditLog()
        self.actions = ActionService(self.run_action, config.kubernetes.adapter_pattern)
        # pg_stat_activity text can hold literals (ALTER ROLE ... PASSWORD): `check` leaves it
        # out unless asked; the screens show it to the engineer at the keyboard.
        self.include_queries = True
        postgres, kube, prometheus = _sources(config)
        pg_deadline, kube_deadline, prom_deadline = _deadlines(config)
        self.postgres: Poller[PoolSnapshot] = Poller(
            postgres, "postgres", deadline=pg_deadline, insecure=database_insecure(config)
        )
        self.kube: Poller[FleetSnapshot] = Poller(kube, "kubernetes", deadline=kube_deadline)
        self.prometheus: Poller[MetricsSnapshot] = Poller(
            prometheus,
            "prometheus",
            every=config.prometheus.refresh_seconds,
            deadline=prom_deadline,
            insecure=prometheus_insecure(config),
        )
        traces: Any = None
        orders: Any = None
        if config.traces_configured:
            from oc_console.sources.traces.probe import TracesProbe

            traces = TracesProbe(config.traces)
        if postgres is not None:
            from oc_console.sources.orders_db import OrdersDb

            orders = OrdersDb(config.postgres, config.orders)
        self.traces: Poller[str] = Poller(
            traces,
            "traces",
            every=config.traces.refresh_seconds,
            deadline=config.traces.timeout_seconds + DEADLINE_MARGIN_SECONDS,
        )
        # the recent failures feed findings; the pool's health already speaks for PostgreSQL
        self.recent_orders: Poller[RecentFailures] = Poller(
            orders, "orders", every=config.orders.refresh_seconds, deadline=pg_deadline
        )
        self.alertmanager: Poller[AlertsSnapshot] = Poller(
            _alertmanager(config),
            "alertmanager",
            every=config.alertmanager.refresh_seconds,
            deadline=config.alertmanager.timeout_seconds + DEADLINE_MARGIN_SECONDS,
        )
        self.pollers: tuple[Poller[Any], ...] = (
            self.postgres,
            self.kube,
            self.prometheus,
            self.traces,
            self.alertmanager,
        )
        self._clients_imported = False
        self._listeners: list[Callable[[str], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.pool_history: deque[tuple[float, float]] = deque(maxlen=POOL_HISTORY_POINTS)
        self._cleared = ClearedFindings()  # a page whose finding just cleared is resolving
        self._engine = None
        self._runbooks = None

    # --- each source on its own schedule -------------------------------------------------
    def subscribe(self, listener: Callable[[str], None]) -> None:
        """`listener(source_name)` runs on the event loop after each read of that source, so
        a panel redraws when its own source answers, whatever the others do."""
        self._listeners.append(listener)

    def _notify(self, name: str) -> None:
        for listener in list(self._listeners):
            listener(name)

    def start(self, interval: float | None = None) -> None:
        """One task per configured source, each reading on its own schedule (`interval`,
        default the UI's refresh, or the source's own slower `every`)."""
        if self._tasks:
            return
        every = self.config.ui.refresh_seconds if interval is None else interval
        self._spawn(self._run_sources(every))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_sources(self, interval: float) -> None:
        if self.postgres.configured:  # needs no slow import: reads at once
            self._spawn(self.postgres.run(interval, self._notify))
        await self._import_clients()
        others = (self.kube, self.prometheus, self.traces, self.recent_orders, self.alertmanager)
        for poller in (p for p in others if p.configured):
            self._spawn(poller.run(interval, self._notify))

    def poke(self) -> None:
        """Read every source now (a refresh key), each in its own task."""
        for poller in self.pollers:
            if poller.configured and not poller.running:
                self._spawn(self._poke(poller))

    async def _poke(self, poller: Poller[Any]) -> None:
        await self._import_clients()
        if await poller.tick(force=True):
            self._notify(poller.name)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def collect(self, timeout: float) -> ConsoleSnapshot:
        """`check`: every configured source's first full answer (for Kubernetes, its first
        log sample too), or, at `timeout`, what there is, with each source that has not
        answered marked as not read in time."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        changed = asyncio.Event()
        self.subscribe(lambda _: changed.set())
        self.start(CHECK_POLL_SECONDS)
        configured = [p for p in (*self.pollers, self.recent_orders) if p.configured]
        while not all(p.complete or p.error is not None for p in configured):
            left = end - loop.time()
            if left <= 0:
                break
            changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await changed.wait()
        await self.stop()
        for p in configured:
            if p.value is None and p.error is None:
                p.give_up(f"not read within the {timeout:g}s deadline")
            elif p.error is None and not p.complete:
                p.give_up(f"first log sample not read within the {timeout:g}s deadline")
        return self.snapshot()

    @property
    def abandoned(self) -> bool:
        """A fetch was cut at its deadline: its worker thread may still be blocked."""
        return any(p.timed_out for p in self.pollers)

    @property
    def thresholds(self) -> PoolThresholds:
        return self.config.postgres.thresholds

    async def refresh(self, *, force: bool = False) -> ConsoleSnapshot:
        """Tick every poller at once (each skips itself while its last tick still runs; each
        fetch ends at its deadline). The UI uses `start` instead; this is for one-shot
        readers and tests."""
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
        kube, prometheus = self.kube.configured, self.prometheus.configured

        def load() -> None:
            if kube:
                from oc_console.sources.kube.client import import_kubernetes

                import_kubernetes()  # under the lock every other first import takes
            if prometheus:
                importlib.import_module("prometheus_api_client")

        await asyncio.to_thread(load)
        self._clients_imported = True

    async def fresh(self, first_data_within: float = 10.0) -> ConsoleSnapshot:
        """Every source read now: what a runbook's checks judge. A source that has never
        answered yet (the cluster's first list still running) is given a few seconds, so a
        check right after start-up judges data instead of saying it cannot see any."""
        snap = await self.refresh(force=True)
        deadline = asyncio.get_running_loop().time() + first_data_within
        while any(p.configured and p.value is None for p in self.pollers):
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.2)
            snap = await self.refresh(force=True)
        return snap

    async def refresh_kube(self) -> ConsoleSnapshot:
        """Only the watch cache's view: cheap, for redrawing soon after a cluster change."""
        await self._import_clients()
        await self.kube.tick(force=True)
        return self.snapshot()

    async def wait_for_kube_change(self, after: int, timeout: float) -> int:
        """The watch cache's generation once it passes `after`, or `after` at the timeout."""
        source: Any = self.kube.source
        if source is None or self.kube.value is None:
            # not read yet: look again soon, so the first change after the first read is
            # redrawn at once rather than after a whole timeout
            await asyncio.sleep(min(timeout, 0.2))
            return after
        generation: int = await source.wait_for_change(after, timeout)
        return generation

    def _record_pool(self) -> None:
        """Pool saturation over time, for the Changes screen: one point per POOL_POINT_SECONDS
        (the latest read in each), the last six hours."""
        db, at = self.postgres.value, self.postgres.fetched_at
        if db is None or at is None:
            return
        t = at.timestamp()
        point = (t, db.saturation_pct / 100)
        history = self.pool_history
        if history and history[-1][0] // POOL_POINT_SECONDS == t // POOL_POINT_SECONDS:
            history[-1] = point
        else:
            history.append(point)

    def snapshot(self) -> ConsoleSnapshot:
        now = utc_now()
        fleet, metrics, database = self.kube.value, self.prometheus.value, self.postgres.value
        if database is not None and not self.include_queries:
            database = database.without_queries()
        findings: list[Finding] = []
        if database is not None:
            findings += pool_findings(database, self.thresholds)
            self._record_pool()
        changes: list[Change] = []
        if fleet is not None:
            findings += kube_findings(fleet, now, self.config.kubernetes.thresholds)
            findings += release_findings(fleet, now)
            changes = fleet_changes(fleet)
            findings += changed_before_it_broke(
                fleet,
                changes,
                metrics=metrics,
                error_threshold=self.config.prometheus.thresholds.error_ratio_warning,
            )
        if metrics is not None:
            platforms = [a.platform for a in fleet.adapters] if fleet else []
            findings += metrics_findings(
                metrics, self.config.prometheus.thresholds, expected_platforms=platforms
            )
        if self.recent_orders.value is not None:
            findings += recent_failure_findings(self.recent_orders.value)
        if metrics is not None:
            # Prometheus warnings (partial data, a stand-in) are shown, never dropped
            notes = ["stand-in"] if metrics.stand_in else []
            if metrics.warnings and not metrics.stand_in:
                notes.append(f"{len(metrics.warnings)} warnings")
            self.prometheus.detail = ", ".join(notes) or None
        alerts = self.alertmanager.value
        pages: tuple[AlertMatch, ...] = ()
        cleared = self._cleared.update(findings, now)
        if alerts is not None:
            cfg = self.config.alertmanager
            pages = match_alerts(
                alerts.alerts,
                findings,
                alert_findings={**DEFAULT_ALERT_FINDINGS, **cfg.findings},
                label_renames=cfg.labels,
                cleared=cleared,
            )
            # what the console cannot see leads the warnings: it may be the real cause
            findings = unexplained_findings(pages, now) + annotate(findings, pages)
            self.alertmanager.detail = "stand-in" if alerts.stand_in else None
        context = self.context_label or (fleet.context if fleet else None) or "-"
        return ConsoleSnapshot(
            generated_at=now,
            context=context,
            namespaces=self.config.kubernetes.namespaces,
            read_only=self.config.read_only,
            sources=tuple(p.health() for p in self.pollers),
            database=database,
            findings=tuple(findings),
            fleet=fleet,
            metrics=metrics,
            recent_orders=self.recent_orders.value,
            recent_orders_error=self.recent_orders.error,
            alerts=alerts,
            pages=pages,
            changes=tuple(changes),
            pool_history=tuple(self.pool_history),
        )

    async def close(self, grace: float = CLOSE_SECONDS) -> None:
        # an action still running (the terminal went away, a signal) ends with its end record
        # ("interrupted") and gives its Lease back before the clients close under it
        await self.actions.interrupt(grace)
        await self.stop()
        pollers = (*self.pollers, self.recent_orders)
        closing = asyncio.gather(*(p.close() for p in pollers), return_exceptions=True)
        # A source whose thread is stuck on a dead server must not hold the exit: after
        # `grace` it is left to finish on its own.
        await asyncio.wait([closing], timeout=grace)
        if self._engine is not None and self._engine.env.kube is not None:
            self._engine.env.kube.client.close()

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
            # the first list may be under way in the poller's own task: wait for it (the
            # lookup's deadline bounds this) rather than report a cluster not read
            while self.kube.value is None and self.kube.running:
                await asyncio.sleep(0.05)
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
