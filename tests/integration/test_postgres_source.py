"""The pool probe against a real PostgreSQL: real idle transactions, real lock waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.config import PostgresConfig
from oc_console.domain.findings import Severity
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog
from oc_console.sandbox import openclaw_db as schema
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.postgres import EmbeddedPostgres, free_port
from oc_console.services.poller import Poller
from oc_console.sources.postgres import PostgresSource
from tests.integration.conftest import Sessions

pytestmark = pytest.mark.integration
ORDER = schema.STUCK_ORDER


async def signal(console: Any, kind: str, pid: int) -> Any:
    """cancel or terminate through prepare and an explicit yes, as every caller must."""
    from oc_console.runbook.engine import Result

    plan = await console.prepare_action(kind, {"pid": str(pid)})
    return plan if isinstance(plan, Result) else await console.run_action(plan, confirmed=True)


def source(db: SandboxDatabase, **settings: object) -> PostgresSource:
    return PostgresSource(PostgresConfig(dsn=db.dsn, **settings))  # type: ignore[arg-type]


async def test_snapshot_counts_idle_transactions_and_the_blocking_chain(
    sandbox_db: SandboxDatabase, sessions: Sessions
) -> None:
    leaked = await sessions.idle_in_transaction("openclaw-adapter-amazon", 5)
    holder, waiter1, waiter2 = await sessions.blocking_chain(ORDER)
    src = source(sandbox_db)
    try:
        snap = await src.fetch()
    finally:
        await src.close()

    states = dict(snap.sessions_by_state)
    assert states["idle in transaction"] == 6  # five leaks and the holder
    assert states["active"] == 3  # the two waiters and the probe itself
    assert snap.idle_in_transaction_count == 6
    assert dict(snap.sessions_by_application)["openclaw-adapter-amazon"] == 5
    assert {s.pid for s in snap.idle_in_transaction} == {*leaked, holder}
    ages = [s.xact_age_s for s in snap.idle_in_transaction]
    assert None not in ages
    assert ages == sorted(ages, reverse=True)  # type: ignore[type-var]  # oldest first
    assert snap.oldest_xact_pid == leaked[0]
    first = next(s for s in snap.idle_in_transaction if s.pid == leaked[0])
    assert first.application_name == "openclaw-adapter-amazon"
    assert first.client_addr == "127.0.0.1"
    assert first.user == "openclaw_adapter"
    assert first.database == "openclaw"
    assert first.query == "SELECT count(*) FROM orders"

    blocked = {b.session.pid: b.blocked_by for b in snap.blocked}
    assert blocked == {waiter1: (holder,), waiter2: (waiter1,)}
    tree = [(depth, s.pid) for depth, s in snap.blocking_tree()]
    assert tree == [(0, holder), (1, waiter1), (2, waiter2)]
    assert snap.max_connections == 150
    assert snap.reserved_connections == 3
    assert snap.can_see_all and snap.role == "oc_monitor"
    assert snap.statements is not None and snap.statements_note is None

    findings = pool_findings(snap, PoolThresholds(idle_in_transaction_count=5))
    assert [(f.id, f.severity) for f in findings] == [
        ("pool-idle-in-transaction", Severity.CRITICAL),
        ("pool-blocking-chain", Severity.WARNING),
    ]
    idle, chain = findings
    assert idle.summary.startswith("6 sessions sit idle in transaction (threshold 5)")
    assert idle.evidence[0] == "most from: openclaw-adapter-amazon 5, chain-holder 1"
    assert chain.summary.startswith(
        f"2 sessions wait on locks held by pid {holder} (chain-holder, idle in transaction), "
        "a chain 3 deep"
    )
    assert all(f.runbook == "pool-exhaustion" for f in findings)
    assert pool_findings(snap) == [chain]  # default threshold 100: only the chain


async def test_sessions_that_did_nothing_keep_the_instants_their_ages_are_read_from(
    sandbox_db: SandboxDatabase, sessions: Sessions
) -> None:
    """What a recording keeps a row's tree by: the instants stay while the ages grow, and every
    age of one read is one instant (the probe's now()) minus its session's, to the microsecond."""
    leaked = await sessions.idle_in_transaction("openclaw-adapter-amazon", 3)
    src = source(sandbox_db)
    try:
        first = await src.fetch()
        await asyncio.sleep(0.05)
        second = await src.fetch()
    finally:
        await src.close()
    rows = [{s.pid: s for s in snap.idle_in_transaction if s.pid in leaked}
            for snap in (first, second)]  # fmt: skip
    for pid in leaked:
        was, now = rows[0][pid], rows[1][pid]
        assert was.xact_start is not None and was.state_change is not None
        assert (now.xact_start, now.state_change) == (was.xact_start, was.state_change)
        assert now.xact_age_s > was.xact_age_s >= 0  # type: ignore[operator]
    for read in rows:
        instants = {round((s.xact_start + s.xact_age_s) * 1e6) for s in read.values()}  # type: ignore[operator]
        instants |= {round((s.state_change + s.state_age_s) * 1e6) for s in read.values()}  # type: ignore[operator]
        assert len(instants) == 1


async def test_saturation_warning_then_critical(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path, max_connections=23).start()  # 20 usable
    conns: list[asyncpg.Connection] = []
    src = PostgresSource(PostgresConfig(dsn=pg.dsn))
    try:
        for _ in range(15):
            conns.append(await asyncpg.connect(pg.dsn))
        snap = await src.fetch()  # 15 + the probe = 16 of 20
        assert (snap.total_sessions, snap.usable_connections) == (16, 20)
        [finding] = pool_findings(snap)
        assert (finding.id, finding.severity) == ("pool-saturation", Severity.WARNING)
        assert finding.summary == (
            "16 of 20 usable connections are taken (80 %); new clients will be refused at 100 %."
        )
        for _ in range(3):
            conns.append(await asyncpg.connect(pg.dsn))
        snap = await src.fetch()
        [finding] = pool_findings(snap)
        assert snap.saturation_pct == 95.0
        assert finding.severity == Severity.CRITICAL
    finally:
        await src.close()
        for c in conns:
            c.terminate()
        pg.stop()


async def test_long_idle_transaction_is_named(
    sandbox_db: SandboxDatabase, sessions: Sessions
) -> None:
    [pid] = await sessions.idle_in_transaction("openclaw-adapter-walmart", 1)
    await asyncio.sleep(1.2)
    src = source(sandbox_db)
    try:
        snap = await src.fetch()
    finally:
        await src.close()
    findings = pool_findings(snap, PoolThresholds(idle_in_transaction_minutes=1 / 60))
    [long_idle] = [f for f in findings if f.id == "pool-long-idle-transaction"]
    assert f"(pid {pid}, openclaw-adapter-walmart)" in long_idle.summary
    assert long_idle.severity == Severity.WARNING


async def test_role_without_pg_monitor_says_what_it_cannot_see(
    sandbox_db: SandboxDatabase, sessions: Sessions
) -> None:
    await sessions.idle_in_transaction("openclaw-adapter-amazon", 2)
    dsn = sandbox_db.pg.dsn_for(schema.PLAIN_ROLE, schema.PLAIN_PASSWORD, schema.DATABASE)
    src = PostgresSource(PostgresConfig(dsn=dsn))
    try:
        snap = await src.fetch()
    finally:
        await src.close()
    assert not snap.can_see_all
    assert snap.hidden_sessions == 2
    assert snap.idle_in_transaction_count == 0  # their state is hidden from this role
    [finding] = [f for f in pool_findings(snap) if f.id == "pool-limited-visibility"]
    assert finding.summary == (
        "The console sees only part of the pool: role oc_plain lacks pg_monitor: the state and "
        "query of 2 other users' sessions are hidden."
    )


async def test_statements_detected_not_assumed(sandbox_db: SandboxDatabase) -> None:
    # the `postgres` database has no pg_stat_statements extension
    src = PostgresSource(PostgresConfig(dsn=sandbox_db.pg.dsn))
    try:
        snap = await src.fetch()
    finally:
        await src.close()
    assert snap.statements is None
    assert snap.statements_note == "pg_stat_statements is not installed in this database"


async def test_wrong_password_is_one_clear_line(sandbox_db: SandboxDatabase) -> None:
    dsn = sandbox_db.pg.dsn_for(schema.MONITOR_ROLE, "wrong", schema.DATABASE)
    src = PostgresSource(PostgresConfig(dsn=dsn))
    with pytest.raises(SourceError) as err:
        await src.fetch()
    message = str(err.value)
    assert message.startswith(
        f"postgresql://oc_monitor:***@127.0.0.1:{sandbox_db.pg.port}/openclaw: "
    )
    assert "authentication failed" in message and "oc_monitor" in message
    assert "wrong" not in message and "\n" not in message


async def test_unreachable_host_is_refused_quickly() -> None:
    port = free_port()
    src = PostgresSource(PostgresConfig(dsn=f"postgresql://u:p@127.0.0.1:{port}/db"))
    with pytest.raises(
        SourceError, match=rf"^postgresql://u:\*\*\*@127.0.0.1:{port}/db: connection refused$"
    ):
        await src.fetch()


async def test_statement_timeout_is_reported(
    sandbox_db: SandboxDatabase, sessions: Sessions
) -> None:
    src = source(sandbox_db, statement_timeout_ms=200)
    await src.fetch()  # connected; now make the probe wait on a catalog lock
    pg = sandbox_db.pg
    locker = await asyncpg.connect(pg.dsn_for(pg.user, pg.password, schema.DATABASE))
    try:
        await locker.execute("BEGIN; LOCK TABLE pg_catalog.pg_authid IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(SourceError, match="statement timeout"):
            await src.fetch()
    finally:
        await locker.close()
        await src.close()


async def test_server_restart_keeps_stale_data_then_reconnects(tmp_path: object) -> None:
    from pathlib import Path

    pg = EmbeddedPostgres(Path(str(tmp_path))).start()
    poller = Poller(PostgresSource(PostgresConfig(dsn=pg.dsn)), "postgres")
    try:
        assert await poller.tick(force=True)
        first = poller.value
        good_at = poller.fetched_at
        pg.halt()
        await poller.tick(force=True)
        health = poller.health()
        assert health.status == "stale" and not health.ok
        assert poller.value is first and health.fetched_at == good_at  # last data kept
        assert "reconnecting" in (health.error or "") or "refused" in (health.error or "")
        assert not await poller.tick()  # backing off: the next tick is skipped
        pg.launch()
        await poller.tick(force=True)
        assert poller.health().status == "ok"
        assert poller.fetched_at is not None and poller.fetched_at > good_at  # type: ignore[operator]
    finally:
        await poller.close()
        pg.stop()


async def test_cancel_and_terminate_backend_are_audited(
    sandbox_db: SandboxDatabase, sessions: Sessions, tmp_path: object
) -> None:
    from pathlib import Path

    from oc_console.config import Config
    from oc_console.services.console import Console

    audit = AuditLog(Path(str(tmp_path)) / "audit.jsonl")
    console = Console(Config(postgres=PostgresConfig(dsn=sandbox_db.pg.dsn)), audit=audit)
    busy = await sessions.open("openclaw-adapter-shopee")
    query = asyncio.get_running_loop().create_task(busy.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.2)
    try:
        assert (await signal(console, "cancel", busy.get_server_pid())).status == "done"
        with pytest.raises(asyncpg.QueryCanceledError):
            await asyncio.wait_for(query, 5)

        [leaked] = await sessions.idle_in_transaction("openclaw-adapter-shopee", 1)
        assert (await signal(console, "terminate", leaked)).status == "done"
        gone = await signal(console, "cancel", 999_999)  # no such backend: refused, not an error
        assert gone.status == "refused" and gone.message == "no backend with pid 999999"
    finally:
        await console.close()

    records = [orjson.loads(line) for line in audit.path.read_bytes().splitlines()]
    assert [(r["action"], r["phase"]) for r in records] == [
        ("cancel", "start"), ("cancel", "end"),
        ("terminate", "start"), ("terminate", "end"),
        ("cancel", "refused"),
    ]  # fmt: skip
    assert "pg_terminate_backend(pid)" in records[2]["preview"]
    assert f"$1 = {leaked}" in records[2]["preview"]
    assert records[3]["outcome"] == "ok" and records[3]["result"] == "terminated"
    assert records[4]["reason"] == "precondition"
    assert datetime.fromisoformat(records[0]["at"]).tzinfo == UTC


async def test_read_only_refuses_to_terminate(sandbox_db: SandboxDatabase) -> None:
    from oc_console.config import Config
    from oc_console.services.console import Console

    console = Console(Config(read_only=True, postgres=PostgresConfig(dsn=sandbox_db.pg.dsn)))
    result = await signal(console, "terminate", 1)
    assert result.status == "refused" and "read-only" in result.message
    # the refusal itself is audited, and it is the only record
    [record] = [orjson.loads(line) for line in console.audit.path.read_bytes().splitlines()]
    assert (record["phase"], record["reason"]) == ("refused", "read-only")
