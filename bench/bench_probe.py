"""The pool probe's cost at 1,000 connections against pg_activity's own per-refresh queries
(activity, waiting, blocking, server info), on the same server in the same run."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import asyncpg

from bench.common import report, skip
from oc_console.sources import postgres_sql as sql

CONNECTIONS = 1000
ROUNDS = 25


def pg_activity_refresh() -> list[str]:
    """The queries pg_activity 3.x runs each refresh on PostgreSQL >= 13, from its package."""
    from pgactivity import queries

    def bind(name: str) -> str:
        text = queries.get(name)
        for key, value in {
            "{duration_column}": "query_start", "{min_duration}": "0",
            "{dbname_filter}": "NULL", "%(min_duration)s": "0", "%(dbname_filter)s": "NULL",
            "%(skip_db_size)s": "false", "%(prev_total_size)s": "0",
            "%(using_rds)s": "false", "%(skip_tempfile)s": "false",
        }.items():  # fmt: skip
            text = text.replace(key, value)
        return text

    return [
        bind("get_server_info_post_110000"),
        bind("get_pg_activity_post_130000"),
        bind("get_waiting_post_090200"),
        bind("get_blocking_post_090600"),
    ]


async def timed(conn: asyncpg.Connection, statements: list[str]) -> float:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for statement in statements:
            await conn.fetch(statement)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def load(dsn: str) -> list[asyncpg.Connection]:
    conns: list[asyncpg.Connection] = []
    for start in range(0, CONNECTIONS, 50):
        batch = await asyncio.gather(
            *(asyncpg.connect(dsn, server_settings={"application_name": f"load-{i % 7}"})
              for i in range(start, start + 50))
        )  # fmt: skip
        conns.extend(batch)
    for i, conn in enumerate(conns):
        if i % 10 == 0:  # a tenth idle in transaction, the rest idle
            await conn.execute("BEGIN")
            await conn.fetchval("SELECT 1")
    return conns


async def main() -> int:
    try:
        refresh = pg_activity_refresh()
    except ImportError:
        skip("db_probe_1000_connections", "pg_activity is not installed: pip install -e '.[bench]'")
        return 0
    from oc_console.sandbox.postgres import EmbeddedPostgres

    with TemporaryDirectory() as tmp, EmbeddedPostgres(Path(tmp), max_connections=1100) as pg:
        conns = await load(pg.dsn)
        probe = await asyncpg.connect(pg.dsn)
        try:
            ours = await timed(probe, [sql.PROBE])
            theirs = await timed(probe, refresh)
        finally:
            await probe.close()
            for conn in conns:
                conn.terminate()
    ok = report("db_probe_1000_connections", ours * 1000, theirs * 1000, 1.0, unit="ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
