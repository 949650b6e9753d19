"""The Overview and Database screens driven by Pilot against the sandbox's real PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from oc_console.config import Config, PostgresConfig, PrometheusConfig, UiConfig
from oc_console.domain.database import PoolSnapshot, Session
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sandbox.database import POOL_IDLE_SESSIONS, SandboxDatabase
from oc_console.sandbox.postgres import free_port
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.help import HelpScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.screens.widgets.source_bar import SourceBar
from oc_console.services.console import Console
from tests.hang_servers import DripServer
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


def config(dsn: str) -> Config:
    return Config(postgres=PostgresConfig(dsn=dsn), ui=UiConfig(refresh_seconds=0.5))


def has_data(app: ConsoleApp) -> bool:
    return app.snapshot is not None and app.snapshot.database is not None


async def test_overview_shows_pool_findings_worst_first(pool_sandbox: SandboxDatabase) -> None:
    app = make_app(Console(config(pool_sandbox.dsn), context_label="sandbox"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: has_data(app))
        await pilot.pause()
        table = app.screen.query_one("#findings", RowTable)
        keys = [r.key for r in table.rows]
        assert keys[0] == "pool-idle-in-transaction:postgres"
        assert set(keys) >= {"pool-saturation:postgres", "pool-blocking-chain:postgres"}
        detail = str(app.screen.query_one("#finding-detail").render())
        assert f"{POOL_IDLE_SESSIONS + 1} sessions sit idle in transaction" in detail
        assert "runbook: pool-exhaustion" in detail
        await pilot.press("down")
        await pilot.pause()
        assert table.cursor == 1
        assert table.rows[1].cells[2] in str(app.screen.query_one("#finding-detail").render())
        bar = str(app.screen.query_one(SourceBar).render())
        assert "sandbox/openclaw" in bar and "●pg" in bar and "-k8s" in bar


async def test_database_screen_sessions_tree_and_filter(pool_sandbox: SandboxDatabase) -> None:
    app = make_app(Console(config(pool_sandbox.dsn)))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: has_data(app))
        await pilot.press("2")
        await pilot.pause()
        assert app.current_mode == "database"
        idle = app.screen.query_one("#idle", RowTable)
        await until(pilot, lambda: len(idle.rows) == POOL_IDLE_SESSIONS + 1)
        assert app.focused is idle
        apps = [r.cells[2] for r in idle.rows]
        assert apps.count("openclaw-adapter-amazon") == POOL_IDLE_SESSIONS
        tree = app.screen.query_one("#blocking", RowTable)
        assert [r.cells[2] for r in tree.rows] == [
            "openclaw-sync-worker", "openclaw-replay", "openclaw-webhook",
        ]  # fmt: skip
        assert [r.cells[0].strip() for r in tree.rows][1:] == [
            f"└ {r.key.split(':')[1]}" for r in tree.rows[1:]
        ]
        await pilot.press("slash", *"sync-worker")
        await pilot.pause()
        assert [r.cells[2] for r in idle.rows] == ["openclaw-sync-worker"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(idle.rows) == POOL_IDLE_SESSIONS + 1 and app.focused is idle


async def test_command_mode_help_and_back(pool_sandbox: SandboxDatabase) -> None:
    app = make_app(Console(config(pool_sandbox.dsn)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"db", "enter")
        await pilot.pause()
        assert app.current_mode == "database"
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "overview"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("colon", *"bogus", "enter")
        await pilot.pause()
        assert any("unknown command ':bogus'" in str(n.message) for n in app._notifications)


async def test_unreachable_database_fails_alone() -> None:
    port = free_port()
    app = make_app(Console(config(f"postgresql://u:p@127.0.0.1:{port}/db")))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.snapshot and app.snapshot.source("postgres").error)
        await pilot.pause()
        assert "✖pg down" in str(app.screen.query_one(SourceBar).render())
        panel = str(app.screen.query_one("#database-panel").render())
        assert f"127.0.0.1:{port}/db: connection refused" in panel
        await pilot.press("2")  # the rest of the console keeps working
        await pilot.pause()
        assert app.current_mode == "database"


async def test_a_dripping_prometheus_does_not_hold_the_database_panel(
    pool_sandbox: SandboxDatabase,
) -> None:
    """Each source answers into the screen on its own: the pool shows while Prometheus is
    still dripping its first answer, and Prometheus is marked once its deadline passes."""
    with DripServer(interval=0.3) as drip:
        cfg = Config(
            postgres=PostgresConfig(dsn=pool_sandbox.dsn),
            prometheus=PrometheusConfig(url=drip.url, timeout_seconds=1.0),
            ui=UiConfig(refresh_seconds=0.5),
        )
        app = make_app(Console(cfg))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: has_data(app), timeout=1.5)
            prom = app.snapshot.source("prometheus") if app.snapshot else None
            assert prom is not None and prom.fetched_at is None and prom.error is None
            await until(
                pilot,
                lambda: bool(app.snapshot and app.snapshot.source("prometheus").error),
                timeout=4.0,
            )
            await pilot.pause()
            assert "no answer within 2s" in (app.snapshot.source("prometheus").error or "")


# --- SVG snapshots: a recorded sandbox snapshot with pids and timings made stable ---

FIXED = datetime(2026, 11, 21, 3, 12, tzinfo=UTC)


def _stable(db: PoolSnapshot) -> PoolSnapshot:
    pids = sorted(
        {s.pid for s in db.idle_in_transaction}
        | {s.pid for s in db.blockers}
        | {b.session.pid for b in db.blocked}
    )
    new = {pid: 4100 + i for i, pid in enumerate(pids)}

    def fix(s: Session) -> Session:
        age = 754.0 - new[s.pid] % 7  # a plausible, fixed spread of ages
        return dataclasses.replace(s, pid=new[s.pid], xact_age_s=age, state_age_s=age)

    idle = sorted((fix(s) for s in db.idle_in_transaction), key=lambda s: (-s.xact_age_s, s.pid))  # type: ignore[operator]
    apps = tuple((a, n) for a, n in db.sessions_by_application)
    return dataclasses.replace(
        db,
        idle_in_transaction=tuple(idle),
        blockers=tuple(fix(s) for s in db.blockers),
        blocked=tuple(dataclasses.replace(b, session=fix(b.session),
                      blocked_by=tuple(new[p] for p in b.blocked_by)) for b in db.blocked),
        oldest_xact_age_s=754.0,
        oldest_xact_pid=idle[0].pid,
        sessions_by_application=apps,
        statements=tuple(  # the seed's inserts: the same on every run, unlike timings
            dataclasses.replace(st, total_ms=10.0 * (5 - i), mean_ms=1.5, calls=1)
            for i, st in enumerate(
                sorted(
                    (st for st in db.statements or () if st.query.startswith("INSERT")),
                    key=lambda st: st.query,
                )
            )
        ),
    )  # fmt: skip


class RecordedConsole(Console):
    """Shows one recorded snapshot, so the picture does not depend on time or pids."""

    def __init__(self, cfg: Config, recorded: ConsoleSnapshot) -> None:
        super().__init__(cfg, context_label="sandbox")
        self.recorded = recorded

    def snapshot(self) -> ConsoleSnapshot:
        return self.recorded


@pytest.fixture(scope="module")
def recorded(pool_sandbox: SandboxDatabase) -> ConsoleSnapshot:
    async def take() -> ConsoleSnapshot:
        console = Console(config(pool_sandbox.dsn), context_label="sandbox")
        try:
            snap = await console.refresh(force=True)
        finally:
            await console.close()
        assert snap.database is not None
        db = _stable(snap.database)
        health = tuple(
            dataclasses.replace(h, fetched_at=FIXED if h.configured else None) for h in snap.sources
        )
        from oc_console.analysis.database import pool_findings

        return dataclasses.replace(
            snap, generated_at=FIXED, database=db, sources=health,
            findings=tuple(pool_findings(db)),
        )  # fmt: skip

    return asyncio.run(take())


def test_overview_snapshot(snap_compare: object, recorded: ConsoleSnapshot) -> None:
    app = make_app(RecordedConsole(config("postgresql://x/y"), recorded), poll_sources=False)
    assert snap_compare(app, terminal_size=(80, 24))  # type: ignore[operator]


def test_database_snapshot(snap_compare: object, recorded: ConsoleSnapshot) -> None:
    app = make_app(RecordedConsole(config("postgresql://x/y"), recorded), poll_sources=False)
    assert snap_compare(app, press=["2"], terminal_size=(80, 24))  # type: ignore[operator]
