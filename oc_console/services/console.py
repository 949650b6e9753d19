"""The service facade: the one object the screens and the CLI talk to.

It composes one target's pieces (the source scheduler and its pollers, the history store, the
after-read step; see target.py), builds snapshots with the pure snapshot builder, and carries
the source capabilities (logs, order lookups, and every action through the runbook engine) so
screens never touch a client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from oc_console.analysis.database import PoolThresholds
from oc_console.config import Config
from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.domain.orders import OrderTimeline, validate_order_id
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog
from oc_console.services.action_service import ActionService
from oc_console.services.actions import ConsoleActions
from oc_console.services.built_snapshot import Built, build_kept
from oc_console.services.poller import Poller, utc_now
from oc_console.services.protocols import ClusterSource, LogStream, OrdersSource, TracesSource
from oc_console.services.scheduler import CHECK_POLL_SECONDS
from oc_console.services.target import Target
from oc_console.services.team import ConsoleTeam

if TYPE_CHECKING:
    from oc_console.runbook.check_context import Facts

__all__ = ["CHECK_POLL_SECONDS", "Console", "LogStream"]

CLOSE_SECONDS = 2.0  # a source that cannot close in this long is left to its threads


class Console(ConsoleActions, ConsoleTeam):
    def __init__(
        self,
        config: Config,
        *,
        context_label: str | None = None,
        audit: AuditLog | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.context_label = context_label or config.kubernetes.context
        self.audit = audit or AuditLog(shared_dsn=config.audit.dsn)
        self.actions = ActionService(self.run_action, config.kubernetes.adapter_pattern)
        self.target = Target(config, context_label=self.context_label, clock=clock)
        target = self.target
        self.postgres, self.kube, self.prometheus = target.postgres, target.kube, target.prometheus
        self.traces, self.alertmanager = target.traces, target.alertmanager
        self.recent_orders = target.recent_orders
        self.scheduler = target.scheduler
        self._engine = None
        self._runbooks = None
        self.built: Built | None = None  # the last snapshot built, for the recorder
        self._init_team()  # the shared audit's poller, the incident tracker
        # the sources' answers heard, and how many there were when `built` was built: the
        # first listener, so a snapshot built on an answer counts it
        self._answers = self._built_after = 0
        self.scheduler.subscribe(self.heard)
        self.team_scheduler.subscribe(self.heard)

    @property
    def include_queries(self) -> bool:
        return self.target.include_queries

    @include_queries.setter
    def include_queries(self, value: bool) -> None:
        self.target.include_queries = value

    @property
    def pollers(self) -> tuple[Poller[Any], ...]:
        return self.target.pollers

    @property
    def thresholds(self) -> PoolThresholds:
        return self.config.postgres.thresholds

    # --- each source on its own schedule (the scheduler's) ------------------------------
    def subscribe(self, listener: Callable[[str], None]) -> None:
        self.scheduler.subscribe(listener)
        self.team_scheduler.subscribe(listener)

    def start(self, interval: float | None = None) -> None:
        self.scheduler.start(interval)
        self.team_scheduler.start(interval)

    def poke(self) -> None:
        self.scheduler.poke()
        self.team_scheduler.poke()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.team_scheduler.stop()

    async def _import_clients(self) -> None:
        await self.scheduler.warm_up()

    async def collect(self, timeout: float) -> ConsoleSnapshot:
        """`check`: every configured source's first full answer, or, at `timeout`, what there
        is, with each source that has not answered marked as not read in time."""
        await self.scheduler.collect(timeout)
        return self.snapshot()

    async def refresh(self, *, force: bool = False) -> ConsoleSnapshot:
        """Every source read once. The UI uses `start` instead; this is for one-shot readers
        and tests."""
        await self.scheduler.refresh(force=force)
        return self.snapshot()

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
        source = self._cluster()
        if source is None or self.kube.value is None:
            # not read yet: look again soon, so the first change after the first read is
            # redrawn at once rather than after a whole timeout
            await asyncio.sleep(min(timeout, 0.2))
            return after
        return await source.wait_for_change(after, timeout)

    async def write_handoff(self, hours: float = 2.0) -> tuple[str, str]:
        """`H`: the hand-off of the last `hours` (longer to cover the whole incident), written
        beside the audit log; (path, title)."""
        from datetime import timedelta

        from oc_console.services.handoff_service import write_handoff

        snap = self.latest()
        since = self.incident_since(snap.generated_at, timedelta(hours=hours))
        path, title = await write_handoff(snap, self.audit, since, self.incident)
        return str(path), title

    def snapshot(self) -> ConsoleSnapshot:
        """Built from the sources' latest values; reading it changes nothing (the last one
        built is kept, with its inputs, for the recorder to write)."""
        self.built = build_kept(self.target.inputs(), self.config, self.target.seen)
        self._built_after = self._answers
        return self.built.snapshot

    def heard(self, _source: str) -> None:
        """A source answered (with a new value or a new error)."""
        self._answers += 1

    @property
    def current_build(self) -> Built | None:
        """The snapshot last built, unless a source answered since: what the screens show (a
        read that found nothing new, such as a watch's, moves neither them nor this)."""
        return self.built if self._built_after == self._answers else None

    def latest(self) -> ConsoleSnapshot:
        """The snapshot the UI shows: the incident notes what appeared or cleared since the
        last one (and starts with the first CRITICAL finding)."""
        snap = self.snapshot()
        self.observe(snap)
        return snap

    async def close(self, grace: float = CLOSE_SECONDS) -> None:
        # an action still running (the terminal went away, a signal) ends with its end record
        # ("interrupted") and gives its Lease back before the clients close under it
        await self.actions.interrupt(grace)
        await self.scheduler.close(grace)
        await self.team_scheduler.close(grace)
        if self._engine is not None and self._engine.env.kube is not None:
            self._engine.env.kube.client.close()
        await self.audit.close()  # what the shared audit table has not taken yet, briefly
        await self.journal_written()

    def facts(self) -> Facts:
        """What a runbook's checks read: fresh snapshots and log tails, nothing more."""
        from oc_console.runbook.check_context import Facts

        return Facts(fresh=self.fresh, log_tail=self.log_tail)

    # --- order lookup ---
    def check_order_id(self, text: str) -> str:
        """The ID, or a UserError naming why it is refused."""
        cfg = self.config.orders
        return validate_order_id(text, cfg.id_pattern, cfg.id_max_length)

    @property
    def has_orders_database(self) -> bool:
        return self.recent_orders.source is not None

    async def knows_order(self, order_id: str) -> bool:
        """Whether this target's orders database has the order (its row or one of its
        events): what a fleet asks every target before looking the order up on one."""
        db = cast("OrdersSource[Any] | None", self.recent_orders.source)
        if db is None:
            raise SourceError("no orders database is configured")
        order, events = await db.order(self.check_order_id(order_id))
        return order is not None or bool(events)

    async def lookup_order(
        self, order_id: str, on_update: Callable[[OrderTimeline], None] | None = None
    ) -> OrderTimeline:
        """One order's timeline; every part is handed to `on_update` as it arrives."""
        from oc_console.services.orders import OrderLookup

        order_id = self.check_order_id(order_id)
        await self._import_clients()
        kube = self._cluster()
        db = cast("OrdersSource[Any] | None", self.recent_orders.source)
        probe = cast("TracesSource[Any] | None", self.traces.source)

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
        timeline = await lookup.run(order_id, on_update)
        await self.record_lookup(timeline)  # the hand-off's "Orders looked at"
        return timeline

    # --- logs ---
    def _cluster(self) -> ClusterSource | None:
        # the Kubernetes poller's source is always a KubeSource: it lists, watches and logs
        return cast("ClusterSource | None", self.kube.source)

    def _logs(self) -> ClusterSource:
        source = self._cluster()
        if source is None:
            raise SourceError("Kubernetes is not configured")
        return source

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, previous: bool = False, tail: int = 500
    ) -> tuple[LogLine, ...]:
        return await self._logs().log_tail(namespace, pod, container, tail=tail, previous=previous)

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 2000
    ) -> LogStream:
        """Follow a log from its last `tail` lines: enough history to filter by an order id."""
        return self._logs().follow_logs(namespace, pod, container, tail=tail)
