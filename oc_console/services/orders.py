"""The order lookup: PostgreSQL first, then traces, logs and pod events, each source with its
own deadline and its own {ok, error, elapsed_ms}, so one slow or broken backend leaves the
other parts standing. Every part that arrives is handed on at once (`on_update`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from oc_console.analysis.orders import timeline_findings
from oc_console.config import Config
from oc_console.domain.kube import FleetSnapshot, LogLine, PodRow
from oc_console.domain.orders import (
    LookupWindow,
    OrderEvent,
    OrderLogLine,
    OrderRecord,
    OrderTimeline,
    PartStatus,
    PodEventMarker,
    Trace,
)
from oc_console.errors import SourceError

T = TypeVar("T")
PARTS = ("postgres", "traces", "logs", "pod_events")
# Around the database's times: the webhook may come before the row and logs after it.
WINDOW_BEFORE = timedelta(minutes=10)
WINDOW_AFTER = timedelta(minutes=10)
MAX_PODS = 30  # log reads per lookup; a platform with more pods is read in its newest 30
MAX_TRACES = 20


class TracesBackend(Protocol):
    async def search(self, order_id: str, start: datetime, end: datetime) -> list[str]: ...

    async def trace(self, trace_id: str) -> Trace | None: ...


class OrdersDatabase(Protocol):
    async def order(self, order_id: str) -> tuple[OrderRecord | None, tuple[OrderEvent, ...]]: ...


class LogReader(Protocol):
    async def order_logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        since: datetime,
        needles: tuple[str, ...],
        *,
        keep: int,
    ) -> tuple[LogLine, ...]: ...


Update = Callable[[OrderTimeline], None]


def _parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def db_window(
    order: OrderRecord | None, events: tuple[OrderEvent, ...], now: datetime
) -> LookupWindow | None:
    """From the first row's time to the last (or now, while an event is unprocessed)."""
    times = [t for e in events for t in (e.created_at, e.processed_at) if t]
    if order and order.updated_at:
        times.append(order.updated_at)
    if not times:
        return None
    end = max(times)
    if any(e.processed_at is None for e in events):
        end = now
    return LookupWindow(min(times) - WINDOW_BEFORE, min(now, end + WINDOW_AFTER))


def _widen(window: LookupWindow | None, traces: tuple[Trace, ...]) -> LookupWindow | None:
    if not traces:
        return window
    start = datetime.fromtimestamp(min(t.start_ns for t in traces) / 1e9, UTC) - WINDOW_BEFORE
    end = datetime.fromtimestamp(max(t.end_ns for t in traces) / 1e9, UTC) + WINDOW_AFTER
    if window is None:
        return LookupWindow(start, end)
    return LookupWindow(min(window.start, start), max(window.end, end))


def adapter_pods(fleet: FleetSnapshot, platform: str | None) -> list[PodRow]:
    pods = [p for p in fleet.pods if p.platform and (platform is None or p.platform == platform)]
    pods.sort(key=lambda p: p.created or datetime.min.replace(tzinfo=UTC), reverse=True)
    return pods[:MAX_PODS]


class OrderLookup:
    def __init__(
        self,
        config: Config,
        *,
        db: OrdersDatabase | None,
        traces: TracesBackend | None,
        logs: LogReader | None,
        fleet: Callable[[], Awaitable[FleetSnapshot | None]] | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.db, self.traces, self.logs, self.fleet = db, traces, logs, fleet
        self.clock = clock
        self.deadline = config.orders.part_timeout_seconds

    async def _part(self, name: str, work: Awaitable[T]) -> tuple[T | None, PartStatus]:
        started = time.perf_counter()
        error: str | None = None
        result: T | None = None
        try:
            result = await asyncio.wait_for(work, self.deadline)
        except SourceError as exc:
            error = str(exc)
        except TimeoutError:
            error = f"no answer within {self.deadline:g} s"
        except Exception as exc:  # a source bug fails its part, not the lookup
            error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        elapsed = (time.perf_counter() - started) * 1000
        return result, PartStatus(name, error is None, error, elapsed)

    async def run(self, order_id: str, on_update: Update | None = None) -> OrderTimeline:
        state = OrderTimeline(
            order_id=order_id,
            sources=tuple(
                PartStatus(n, False, "not configured", 0.0, configured=False)
                for n, configured in (
                    ("postgres", self.db is not None),
                    ("traces", self.traces is not None),
                    ("logs", self.logs is not None and self.fleet is not None),
                    ("pod_events", self.fleet is not None),
                )
                if not configured
            ),
        )

        def publish(**changes: Any) -> None:
            nonlocal state
            status: PartStatus | None = changes.pop("status", None)
            if status is not None:
                changes["sources"] = (*state.sources, status)
            state = replace(state, **changes)
            state = replace(state, findings=timeline_findings(state))
            if on_update is not None:
                on_update(state)

        now = self.clock()
        default = LookupWindow(now - timedelta(hours=self.config.orders.search_hours), now)
        db_task = asyncio.ensure_future(self._db(order_id)) if self.db else None
        search = asyncio.ensure_future(self._search(order_id, default)) if self.traces else None
        fleet_task = asyncio.ensure_future(self._fleet()) if self.fleet else None
        order: OrderRecord | None = None
        events: tuple[OrderEvent, ...] = ()
        if db_task is not None:
            rows, status = await db_task
            order, events = rows or (None, ())
            publish(order=order, events=events, status=status)
        window = db_window(order, events, now)
        platform = order.platform if order else next((e.platform for e in events), None)
        trace_ids: list[str] = list(dict.fromkeys(e.trace_id for e in events if e.trace_id))
        search_status: PartStatus | None = None
        if search is not None:
            found, search_status = await search
            trace_ids = list(dict.fromkeys([*trace_ids, *(found or [])]))[:MAX_TRACES]
        fetch = (
            asyncio.ensure_future(self._fetch(trace_ids, search_status))
            if self.traces is not None and search_status is not None
            else None
        )
        traces: tuple[Trace, ...] = ()
        if window is None and fetch is not None:  # nothing else tells when the order happened
            traces, status = await fetch
            fetch = None
            publish(traces=traces, status=status)
        window = _widen(window, traces) or default
        publish(window=window)
        fleet: FleetSnapshot | None = None
        fleet_status: PartStatus | None = None
        if fleet_task is not None:
            fleet, fleet_status = await fleet_task
        logs_task = (
            asyncio.ensure_future(
                self._logs(order_id, tuple(trace_ids), fleet, fleet_status, platform, window)
            )
            if self.logs is not None and fleet_status is not None
            else None
        )
        if fetch is not None:
            traces, status = await fetch
            publish(traces=traces, status=status)
        if fleet_status is not None:
            publish(
                pod_events=self._pod_events(fleet, platform, window, traces),
                status=replace(fleet_status, name="pod_events"),
            )
        if logs_task is not None:
            lines, status = await logs_task
            publish(logs=lines, status=status)
        publish(done=True)
        return state

    async def _db(
        self, order_id: str
    ) -> tuple[tuple[OrderRecord | None, tuple[OrderEvent, ...]] | None, PartStatus]:
        assert self.db is not None
        return await self._part("postgres", self.db.order(order_id))

    async def _search(
        self, order_id: str, window: LookupWindow
    ) -> tuple[list[str] | None, PartStatus]:
        assert self.traces is not None
        return await self._part("traces", self.traces.search(order_id, window.start, window.end))

    async def _fetch(
        self, trace_ids: list[str], search: PartStatus
    ) -> tuple[tuple[Trace, ...], PartStatus]:
        """Every trace at once; the part fails when the search or any fetch failed."""
        traces = self.traces
        assert traces is not None

        async def all_traces() -> tuple[Trace, ...]:
            found = await asyncio.gather(*(traces.trace(t) for t in trace_ids))
            return tuple(t for t in found if t is not None)

        result, status = await self._part("traces", all_traces())
        if not search.ok:
            status = replace(status, ok=False, error=search.error)
        status = replace(status, elapsed_ms=status.elapsed_ms + search.elapsed_ms)
        return result or (), status

    async def _fleet(self) -> tuple[FleetSnapshot | None, PartStatus]:
        assert self.fleet is not None
        return await self._part("pod_events", self.fleet())

    async def _logs(
        self,
        order_id: str,
        trace_ids: tuple[str, ...],
        fleet: FleetSnapshot | None,
        fleet_status: PartStatus | None,
        platform: str | None,
        window: LookupWindow,
    ) -> tuple[tuple[OrderLogLine, ...], PartStatus]:
        if fleet is None:
            error = fleet_status.error if fleet_status else "the cluster was not read"
            return (), PartStatus("logs", False, error, 0.0)
        reader = self.logs
        assert reader is not None
        keep = self.config.orders.log_lines_max
        needles = (order_id, *trace_ids)
        reads = [
            (pod, c.name)
            for pod in adapter_pods(fleet, platform)
            for c in pod.containers
            if c.kind == "app"
        ]

        async def read_all() -> tuple[OrderLogLine, ...]:
            async def one(pod: PodRow, container: str) -> list[OrderLogLine]:
                lines = await reader.order_logs(
                    pod.namespace, pod.name, container, window.start, needles, keep=keep
                )
                return [
                    OrderLogLine(
                        at=_parse_ts(line.ts),
                        namespace=pod.namespace,
                        pod=pod.name,
                        container=container,
                        level=line.level,
                        msg=line.text,
                        trace_id=line.trace_id or None,
                    )
                    for line in lines
                ]

            batches = await asyncio.gather(*(one(p, c) for p, c in reads))
            merged = [line for batch in batches for line in batch]
            epoch = datetime.min.replace(tzinfo=UTC)
            merged.sort(key=lambda line: line.at or epoch)
            return tuple(merged[:keep])

        result, status = await self._part("logs", read_all())
        return result or (), status

    def _pod_events(
        self,
        fleet: FleetSnapshot | None,
        platform: str | None,
        window: LookupWindow,
        traces: tuple[Trace, ...],
    ) -> tuple[PodEventMarker, ...]:
        if fleet is None or (platform is None and not traces):
            # nothing says which pods handled the order: every pod's events would be noise
            return ()
        pods = {p.name for p in adapter_pods(fleet, platform)}
        pods |= {s.pod for t in traces for s in t.spans if s.pod}
        markers = []
        for e in fleet.events:
            at = e.last_seen or e.first_seen
            if e.object_kind != "Pod" or e.object_name not in pods:
                continue
            if at is not None and not window.start <= at <= window.end:
                continue
            markers.append(
                PodEventMarker(at, e.namespace, e.object_name, e.type, e.reason, e.message, e.count)
            )
        epoch = datetime.min.replace(tzinfo=UTC)
        return tuple(sorted(markers, key=lambda m: m.at or epoch))
