"""The order rows in PostgreSQL: one order's `orders` and `order_events`, and the recent
failures. Every query is configurable SQL whose values are bound parameters ($1, $2...),
never text spliced into it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from oc_console.config import OrdersConfig, PostgresConfig
from oc_console.domain.orders import FailureGroup, OrderEvent, OrderRecord, RecentFailures
from oc_console.errors import SourceError
from oc_console.redact import secrets_of
from oc_console.sources.postgres import connect, describe_error, where

ORDER_SQL = """
SELECT order_id, platform, shop_id, status, updated_at FROM orders WHERE order_id = $1
"""
EVENTS_SQL = """
SELECT event_id, order_id, platform, event_type, status, attempts, last_error, trace_id,
       created_at, processed_at
FROM order_events WHERE order_id = $1 ORDER BY created_at, event_id LIMIT 1000
"""
# $1 hours back, $2 seconds unprocessed before an event counts as stuck, $3 order ids per group
RECENT_SQL = """
SELECT platform,
       coalesce(last_error, CASE WHEN status = 'failed' THEN 'failed' ELSE 'unprocessed' END)
         AS error,
       count(*) AS n,
       max(created_at) AS newest,
       (array_agg(order_id ORDER BY created_at DESC))[1:$3::int] AS order_ids
FROM order_events
WHERE created_at > now() - make_interval(secs => $1::float8 * 3600)
  AND (status = 'failed'
       OR (processed_at IS NULL AND created_at < now() - make_interval(secs => $2::float8)))
GROUP BY 1, 2
ORDER BY n DESC, newest DESC
LIMIT 100
"""


def _record(row: Any) -> OrderRecord:
    return OrderRecord(
        order_id=str(row["order_id"]),
        platform=str(row["platform"]),
        shop_id=str(row["shop_id"]),
        status=str(row["status"]),
        updated_at=row["updated_at"],
    )


def _event(row: Any) -> OrderEvent:
    return OrderEvent(
        event_id=str(row["event_id"]),
        order_id=str(row["order_id"]),
        platform=str(row["platform"]),
        event_type=str(row["event_type"]),
        status=str(row["status"]),
        attempts=int(row["attempts"] or 0),
        last_error=row["last_error"],
        trace_id=row["trace_id"],
        created_at=row["created_at"],
        processed_at=row["processed_at"],
    )


def _group(row: Any) -> FailureGroup:
    newest: datetime | None = row["newest"]
    return FailureGroup(
        platform=str(row["platform"]),
        error=str(row["error"]),
        count=int(row["n"]),
        newest=newest,
        order_ids=tuple(str(o) for o in row["order_ids"] or ()),
    )


class OrdersDb:
    """One connection of its own, opened on first use and kept, for the lookups and the
    recent failures: a lookup neither waits behind the pool probe nor pays a connection
    (SCRAM, TLS) each time, and the pool probe sees one steady session, not one coming and
    going every half minute."""

    name = "orders"

    def __init__(self, pg: PostgresConfig, orders: OrdersConfig) -> None:
        self.pg = pg
        self.orders = orders
        self._conn: Any = None
        self._lock = asyncio.Lock()

    @property
    def where(self) -> str:
        return where(self.pg)

    async def _connect(self) -> Any:
        return await connect(self.pg, "oc-console-orders")

    async def _run_kept(self, work: Any) -> Any:
        """On the lookups' own connection; after any failure it is dropped and reopened."""
        async with self._lock:
            try:
                if self._conn is None or self._conn.is_closed():
                    self._conn = await self._connect()
                return await work(self._conn)
            except BaseException as exc:
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.terminate()  # also after a cancel: its state is unknown
                if isinstance(exc, asyncio.CancelledError):
                    raise
                if isinstance(exc, Exception):
                    message = describe_error(exc, self.where, secrets_of(self.pg.dsn))
                    raise SourceError(message) from None
                raise

    async def order(self, order_id: str) -> tuple[OrderRecord | None, tuple[OrderEvent, ...]]:
        order_sql = self.orders.order_sql or ORDER_SQL
        events_sql = self.orders.events_sql or EVENTS_SQL

        async def work(conn: Any) -> tuple[OrderRecord | None, tuple[OrderEvent, ...]]:
            row = await conn.fetchrow(order_sql, order_id)
            events = await conn.fetch(events_sql, order_id)
            return (_record(row) if row else None), tuple(_event(e) for e in events)

        result: tuple[OrderRecord | None, tuple[OrderEvent, ...]] = await self._run_kept(work)
        return result

    async def fetch(self) -> RecentFailures:
        """The Source protocol: the recent failures, grouped by platform and error."""
        cfg = self.orders
        sql = cfg.recent_sql or RECENT_SQL

        async def work(conn: Any) -> RecentFailures:
            rows = await conn.fetch(
                sql, float(cfg.recent_hours), float(cfg.stuck_minutes * 60), cfg.orders_per_group
            )
            return RecentFailures(cfg.recent_hours, tuple(_group(r) for r in rows))

        result: RecentFailures = await self._run_kept(work)
        return result

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()
