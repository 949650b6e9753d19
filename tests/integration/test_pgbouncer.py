"""PgBouncer through its exporter: Debian's pgbouncer in front of the real PostgreSQL, Debian's
prometheus-pgbouncer-exporter reading its admin console, scraped by a real Prometheus, read by
the console's Prometheus source. More clients than default_pool_size exhaust the pool."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from oc_console.analysis.database import bouncer_findings
from oc_console.config import PrometheusConfig
from oc_console.domain.database import BouncerPool
from oc_console.domain.findings import Severity
from oc_console.sandbox import openclaw_db as schema
from oc_console.sandbox import pgbouncer
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.metrics.runner import free_port
from oc_console.sandbox.server_process import ServerProcess
from oc_console.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration
POOL_SIZE = 2
CLIENTS = 5  # more than default_pool_size: three of them wait


def need_binaries() -> str:
    missing = pgbouncer.missing()
    prometheus = shutil.which("prometheus")
    if prometheus and missing is None:
        return prometheus
    reason = missing or "no prometheus on PATH (apt-get install prometheus)"
    if os.geteuid() == 0 or os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: root (or CI) can install it, see scripts/test.sh")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def bouncer(sandbox_db: SandboxDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    pgbouncer.PgBouncer
]:  # fmt: skip
    need_binaries()
    b = pgbouncer.PgBouncer(
        Path(tmp_path_factory.mktemp("pgbouncer")), pg_port=sandbox_db.pg.port,
        database=schema.DATABASE, user=schema.ADAPTER_ROLE, password=schema.ADAPTER_PASSWORD,
        pool_size=POOL_SIZE,
    ).start()  # fmt: skip
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="module")
def prometheus_url(
    bouncer: pgbouncer.PgBouncer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real Prometheus scraping the exporter every second."""
    binary = need_binaries()
    workdir = Path(tmp_path_factory.mktemp("prom"))
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
        f"  - job_name: pgbouncer\n    static_configs:\n"
        f'      - targets: ["{bouncer.exporter_address}"]\n',
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{free_port()}"
    server = ServerProcess(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
         f"--web.listen-address={url[7:]}", "--log.level=warn"],
        url, workdir / "prometheus.log",
    )  # fmt: skip
    try:
        server.wait_ready()
        yield url
    finally:
        server.stop()


@pytest.fixture
async def clients(bouncer: pgbouncer.PgBouncer) -> AsyncIterator[list[asyncpg.Connection]]:
    opened: list[asyncpg.Connection] = []
    yield opened
    for conn in opened:
        conn.terminate()


async def pool_when(
    url: str, ready: Callable[[BouncerPool], bool], timeout: float = 20.0
) -> BouncerPool:
    """The openclaw pool as the console reads it from Prometheus, once `ready` holds."""
    source = PrometheusSource(PrometheusConfig(url=url), ("openclaw",))
    deadline = asyncio.get_running_loop().time() + timeout
    seen: object = None
    try:
        while asyncio.get_running_loop().time() < deadline:
            snap = await source.fetch()
            seen = snap.pgbouncer
            pool = next((p for p in snap.pgbouncer if p.database == schema.DATABASE), None)
            if pool is not None and ready(pool):
                return pool
            await asyncio.sleep(0.3)
    finally:
        await source.close()
    raise AssertionError(f"the pool never got there; last seen {seen}")


async def test_all_well_no_finding(
    bouncer: pgbouncer.PgBouncer, prometheus_url: str, clients: list[asyncpg.Connection]
) -> None:
    conn = await asyncpg.connect(bouncer.dsn)
    clients.append(conn)
    assert await conn.fetchval("SELECT 1") == 1
    pool = await pool_when(prometheus_url, lambda p: p.client_active == 1)
    assert (pool.client_waiting, pool.pool_size, pool.user) == (0, POOL_SIZE, schema.ADAPTER_ROLE)
    assert not pool.exhausted and pool.no_idle_server is False
    assert bouncer_findings((pool,)) == []


async def test_more_clients_than_the_pool_is_critical(
    bouncer: pgbouncer.PgBouncer, prometheus_url: str, clients: list[asyncpg.Connection]
) -> None:
    clients += [await asyncpg.connect(bouncer.dsn) for _ in range(CLIENTS)]
    # session pooling: the first POOL_SIZE clients keep their server, the rest wait for one
    queries = [asyncio.ensure_future(c.fetchval("SELECT 1")) for c in clients]
    try:
        await exhausted(prometheus_url, queries)
    finally:
        for q in queries:
            q.cancel()
        await asyncio.gather(*queries, return_exceptions=True)


async def exhausted(prometheus_url: str, queries: list[asyncio.Future[object]]) -> None:
    waiting = CLIENTS - POOL_SIZE
    pool = await pool_when(prometheus_url, lambda p: p.client_waiting == waiting)
    assert (pool.client_active, pool.servers, pool.pool_size) == (POOL_SIZE, POOL_SIZE, POOL_SIZE)
    assert pool.exhausted
    [finding] = bouncer_findings((pool,))
    assert finding.severity is Severity.CRITICAL and finding.id == "pgbouncer-pool-exhausted"
    assert f"{waiting} clients wait" in finding.summary and "no server is idle" in finding.summary
    assert finding.evidence[0] == f"clients: {POOL_SIZE} active, {waiting} waiting"
    assert f"pool_size {POOL_SIZE}" in finding.evidence[1]
    assert "waiting" in pool.summary and f"of pool {POOL_SIZE}" in pool.summary
    assert sum(q.done() for q in queries) == POOL_SIZE


async def test_the_database_screen_shows_pgbouncer_beside_postgresql(
    sandbox_db: SandboxDatabase,
    bouncer: pgbouncer.PgBouncer,
    prometheus_url: str,
    clients: list[asyncpg.Connection],
) -> None:
    from oc_console.config import Config, PostgresConfig, UiConfig
    from oc_console.screens.app import make_app
    from oc_console.services.console import Console
    from tests.ui.pilot_helpers import until

    clients += [await asyncpg.connect(bouncer.dsn) for _ in range(CLIENTS)]
    queries = [asyncio.ensure_future(c.fetchval("SELECT 1")) for c in clients]
    try:
        waiting = CLIENTS - POOL_SIZE
        await pool_when(prometheus_url, lambda p: p.client_waiting == waiting)
        config = Config(
            postgres=PostgresConfig(dsn=sandbox_db.dsn),
            prometheus=PrometheusConfig(url=prometheus_url),
            ui=UiConfig(refresh_seconds=0.5),
        )
        app = make_app(Console(config))
        line = (
            f"pgbouncer {schema.DATABASE}/{schema.ADAPTER_ROLE}: clients {POOL_SIZE} active "
            f"{waiting} waiting · servers {POOL_SIZE} open of pool {POOL_SIZE}"
        )
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: bool(app.snapshot and app.snapshot.metrics), timeout=20)
            await pilot.press("2")
            await pilot.pause()
            summary = app.screen.query_one("#pool-summary")
            await until(pilot, lambda: line in str(summary.render()))
            # PostgreSQL's own view is on the same panel: sessions by state
            assert "sessions: " in str(summary.render())
    finally:
        for q in queries:
            q.cancel()
        await asyncio.gather(*queries, return_exceptions=True)
