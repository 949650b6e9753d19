"""The `pool` scenario's load: many sessions idle in transaction from one adapter, plus a
blocking chain. Runs as its own process (`python -m oc_console.sandbox.pool_load DSN N`) so its
connections live apart from the console; it prints `ready` and holds them until killed.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import asyncpg

from oc_console.sandbox.openclaw_db import STUCK_ORDER

LEAKY_ADAPTER = "openclaw-adapter-amazon"
CHAIN_ROW = STUCK_ORDER


async def _connect(dsn: str, app: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"application_name": app})


async def hold(dsn: str, idle: int) -> list[asyncpg.Connection]:
    """Open `idle` leaky sessions and a three-deep lock chain; return every connection."""
    conns: list[asyncpg.Connection] = []

    async def leak(i: int) -> None:
        conn = await _connect(dsn, LEAKY_ADAPTER)
        conns.append(conn)
        await conn.execute("BEGIN")
        await conn.fetchval(
            "SELECT count(*) FROM order_events WHERE platform = 'amazon' AND attempts > $1", i % 3
        )

    for start in range(0, idle, 20):  # in batches: the server's backlog is finite
        await asyncio.gather(*(leak(i) for i in range(start, min(idle, start + 20))))

    # holder: a sync worker that updated the stuck order and never committed
    holder = await _connect(dsn, "openclaw-sync-worker")
    conns.append(holder)
    await holder.execute("BEGIN")
    await holder.execute(
        "UPDATE orders SET status = 'syncing', updated_at = now() WHERE order_id = $1", CHAIN_ROW
    )
    # waiters: a replay and a webhook both want the same row and queue behind it
    observer = await _connect(dsn, "openclaw-sandbox")
    for app in ("openclaw-replay", "openclaw-webhook"):
        waiter = await _connect(dsn, app)
        conns.append(waiter)
        waiter_sql = "UPDATE orders SET status = 'retrying' WHERE order_id = $1"
        asyncio.get_running_loop().create_task(waiter.execute(waiter_sql, CHAIN_ROW))
        await _wait_until_blocked(observer, waiter.get_server_pid())
    await observer.close()
    return conns


async def _wait_until_blocked(observer: asyncpg.Connection, pid: int) -> None:
    for _ in range(200):
        if await observer.fetchval("SELECT cardinality(pg_blocking_pids($1::int)) > 0", pid):
            return
        await asyncio.sleep(0.02)
    raise RuntimeError(f"session {pid} never blocked")


async def _main(dsn: str, idle: int) -> None:
    conns = await hold(dsn, idle)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for conn in conns:
        conn.terminate()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], int(sys.argv[2])))
