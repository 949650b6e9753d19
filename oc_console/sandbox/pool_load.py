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
import sys
from urllib.parse import urlsplit

import asyncpg

from oc_console.sandbox import hostile
from oc_console.sandbox.kube.scenarios import POOL_POD_IP
from oc_console.sandbox.openclaw_db import STUCK_ORDER

LEAKY_ADAPTER = "openclaw-adapter-amazon"
CHAIN_ROW = STUCK_ORDER
HOSTILE_APP = "openclaw-adapter-walmart"
# What a client sends when its ORM tags queries with a comment built from request data
# (Marginalia style, in front): here, a product title a seller controls.
HOSTILE_SQL = f"/* product: {hostile.TEXT} */ SELECT count(*) FROM orders"


# Sessions a library opens with no application_name, from the leaky adapter's pod: only their
# client_addr (the pod's IP) says whose they are.
UNNAMED_SESSIONS = 6
_RELAYED: set[asyncio.Task[None]] = set()  # asyncio keeps only weak references to tasks


async def _connect(dsn: str, app: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"application_name": app})


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def from_pod(dsn: str, source: str = POOL_POD_IP) -> tuple[str, asyncio.Server]:
    """A DSN whose connections reach PostgreSQL from `source`, another loopback address (all of
    127/8 is local on Linux), as a pod's connections come from its IP. asyncpg cannot bind a
    source address, so a relay in this process does, as the pod's network namespace would."""
    target = urlsplit(dsn)
    host, port = target.hostname or "127.0.0.1", target.port or 5432

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        for pipe in (_pipe(reader, up_writer), _pipe(up_reader, writer)):
            task = asyncio.get_running_loop().create_task(pipe)
            _RELAYED.add(task)
            task.add_done_callback(_RELAYED.discard)

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    relay_port = server.sockets[0].getsockname()[1]
    userinfo, at, _ = target.netloc.rpartition("@")
    relayed = target._replace(netloc=f"{userinfo}{at}127.0.0.1:{relay_port}")
    return relayed.geturl(), server


async def unnamed(dsn: str, count: int) -> list[asyncpg.Connection]:
    """`count` idle connections with an empty application_name, from the pod's address."""
    pod_dsn, server = await from_pod(dsn)
    conns = [await asyncpg.connect(pod_dsn) for _ in range(count)]
    for conn in conns:
        await conn.fetchval("SELECT 1")
    server.close()  # the relayed connections stay open; no new ones are needed
    return conns


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
        conns += await unnamed(dsn, UNNAMED_SESSIONS)
    return conns


def _forget(task: asyncio.Task[object]) -> None:
    _RELAYED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: the connection's end is expected


async def exhaust(bouncer_dsn: str, clients: int, pool_size: int) -> list[asyncpg.Connection]:
    """More clients than PgBouncer's pool: in session pooling the first `pool_size` keep the
    server their first query got, the others' queries wait for one that never frees up."""
    conns = [await asyncpg.connect(bouncer_dsn) for _ in range(clients)]
    for conn in conns[:pool_size]:
        await conn.fetchval("SELECT 1")
    for conn in conns[pool_size:]:
        task = asyncio.get_running_loop().create_task(conn.fetchval("SELECT 1"))
        _RELAYED.add(task)  # kept alive; ends when the connection is terminated
        task.add_done_callback(_forget)
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
    # generous: on a loaded machine the waiter's UPDATE can take seconds to reach its lock
    deadline = asyncio.get_running_loop().time() + 30
    while not await observer.fetchval("SELECT cardinality(pg_blocking_pids($1::int)) > 0", pid):
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"session {pid} never blocked")
        await asyncio.sleep(0.02)


async def _main(args: argparse.Namespace) -> None:
    conns = await hold(args.dsn, args.idle, chain=args.chain, hostile_session=args.hostile)
    if args.bouncer:
        conns += await exhaust(args.bouncer, args.bouncer_clients, args.bouncer_pool_size)
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
    parser.add_argument("--bouncer", metavar="DSN", help="a PgBouncer to exhaust")
    parser.add_argument("--bouncer-clients", type=int, default=5)
    parser.add_argument("--bouncer-pool-size", type=int, default=2)
    try:
        asyncio.run(_main(parser.parse_args()))
    except Exception as exc:  # the sandbox shows this one line instead of `ready`
        print(f"{type(exc).__name__}: {exc}", flush=True)
        sys.exit(1)
