"""The sandbox's database sessions: the `pool` scenario's load (many sessions idle in
transaction from one adapter, plus a blocking chain) and the `hostile` scenario's session (idle
in transaction after a query whose SQL comment carries terminal control sequences). Runs as its
own process (`python -m oc_console.sandbox.pool_load DSN N [--no-chain] [--hostile]`) so its
connections live apart from the console; it prints `ready` and holds them until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import asyncpg

from oc_console.sandbox import hostile
from oc_console.sandbox.openclaw_db import STUCK_ORDER

LEAKY_ADAPTER = "openclaw-adapter-amazon"
CHAIN_ROW = STUCK_ORDER
HOSTILE_APP = "openclaw-adapter-walmart"
# What a client sends when its ORM tags queries with a comment built from request data
# (Marginalia style, in front): here, a product title a seller controls.
HOSTILE_SQL = f"/* product: {hostile.TEXT} */ SELECT count(*) FROM orders"


async def _connect(dsn: str, app: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"application_name": app})


async def hold(
    dsn: str, idle: int, *, chain: bool = True, hostile_session: bool = False
) -> list[asyncpg.Connection]:
    """Open `idle` leaky sessions, a three-deep lock chain and the hostile session, as asked;
    return every connection."""
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
    if hostile_session:
        conn = await _connect(dsn, HOSTILE_APP)
        conns.append(conn)
        await conn.execute("BEGIN")
        await conn.fetchval(HOSTILE_SQL)
    if chain:
        conns += await _lock_chain(dsn)
    return conns


async def _lock_chain(dsn: str) -> list[asyncpg.Connection]:
    conns: list[asyncpg.Connection] = []
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


async def _main(dsn: str, idle: int, chain: bool, hostile_session: bool) -> None:
    conns = await hold(dsn, idle, chain=chain, hostile_session=hostile_session)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for conn in conns:
        conn.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m oc_console.sandbox.pool_load")
    parser.add_argument("dsn")
    parser.add_argument("idle", type=int)
    parser.add_argument("--no-chain", dest="chain", action="store_false")
    parser.add_argument("--hostile", action="store_true")
    args = parser.parse_args()
    asyncio.run(_main(args.dsn, args.idle, args.chain, args.hostile))
