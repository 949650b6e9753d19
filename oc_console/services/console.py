"""The service facade: the one object the screens and the CLI talk to.

It owns a poller per source, turns their latest values into a ConsoleSnapshot with findings,
and carries the source capabilities (logs, and every action through the runbook engine) so
screens never touch a client.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, Protocol

from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.analysis.drift import release_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.metrics import metrics_findings
from oc_console.config import Config
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.actions.base import ActionStop, Progress
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.checks import CheckContext
from oc_console.runbook.engine import Engine, Plan, Result
from oc_console.runbook.env import open_env
from oc_console.runbook.loader import load_dir
from oc_console.runbook.runner import RunbookRun, bind_params
from oc_console.runbook.schema import Runbook
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
        self.pollers: tuple[Poller[Any], ...] = (
            self.postgres,
            self.kube,
            self.prometheus,
            Poller(None, "traces"),
        )
        self._clients_imported = False
        self._engine: Engine | None = None
        self._runbooks: dict[str, Runbook] | None = None

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
        )

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.pollers), return_exceptions=True)
        if self._engine is not None and self._engine.env.kube is not None:
            self._engine.env.kube.client.close()

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

    # --- actions: every one goes through the runbook engine (RBAC, Lease, preview, audit) ---
    async def engine(self) -> Engine:
        """Built on first use: it connects to the cluster and asks who we are."""
        if self._engine is None:
            env = await open_env(self.config, self.context_label)
            self._engine = Engine(env, self.audit, read_only=self.config.read_only)
        return self._engine

    async def prepare_action(self, kind: str, params: dict[str, str]) -> Plan | Result:
        """Checked and previewed, waiting for a confirmation (or a Result saying why not)."""
        try:
            action = make_action(kind, params, self.config.kubernetes.namespaces[0])
            engine = await self.engine()
        except (ActionStop, SourceError) as exc:
            return Result("failed", str(exc), "error")
        return await engine.prepare(action)

    async def run_action(
        self, plan: Plan, *, confirmed: bool, progress: Progress | None = None
    ) -> Result:
        return await (await self.engine()).run(plan, confirmed=confirmed, progress=progress)

    def runbooks(self) -> dict[str, Runbook]:
        """The shipped runbooks by id, loaded once (a broken file raises RunbookError)."""
        if self._runbooks is None:
            self._runbooks = load_dir()
        return self._runbooks

    async def start_runbook(self, book: Runbook, params: dict[str, str]) -> RunbookRun:
        """A runbook ready to walk; RunbookError names a missing or bad parameter."""
        values = bind_params(book, params)
        engine = await self.engine()
        return RunbookRun(book, values, CheckContext(self, engine.env), engine)

    async def unfinished_actions(self) -> list[dict[str, Any]]:
        """Actions whose start record has no end: a console died in the middle of one."""
        reading = await asyncio.to_thread(self.audit.read)
        return reading.unfinished()

    async def cancel_backend(self, pid: int, application_name: str | None = None) -> Result:
        return await self._signal_backend("cancel", pid, application_name)

    async def terminate_backend(self, pid: int, application_name: str | None = None) -> Result:
        return await self._signal_backend("terminate", pid, application_name)

    async def _signal_backend(self, kind: str, pid: int, application_name: str | None) -> Result:
        params = {"pid": str(pid)}
        if application_name is not None:
            params["application_name"] = application_name
        prepared = await self.prepare_action(kind, params)
        if isinstance(prepared, Result):
            return prepared
        return await self.run_action(prepared, confirmed=True)
