"""The sandbox's `pool` scenario with a real PgBouncer (when Debian's pgbouncer and
prometheus-pgbouncer-exporter are installed): more clients than its pool, scraped by the
sandbox's real Prometheus, shown on the Database screen beside PostgreSQL's own view; without
the binaries the sandbox says so in one line."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.domain.findings import Severity
from oc_console.sandbox import pgbouncer
from oc_console.sandbox.database import BOUNCER_CLIENTS, BOUNCER_POOL_SIZE, SandboxDatabase
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pool_sandbox_with_bouncer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    missing = pgbouncer.missing() or (None if shutil.which("prometheus") else "no prometheus")
    if missing:
        if os.geteuid() == 0 or os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: root (or CI) can install it, see scripts/test.sh")
        pytest.skip(missing)
    sandbox = Sandbox(frozenset({"pool"}), Path(tmp_path_factory.mktemp("pool-pgbouncer")))
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def bouncer_seen(app: ConsoleApp) -> bool:
    snap = app.snapshot
    return bool(snap and snap.metrics and any(p.exhausted for p in snap.metrics.pgbouncer))


async def test_the_pool_scenario_exhausts_a_real_pgbouncer(
    pool_sandbox_with_bouncer: Sandbox,
) -> None:
    sandbox = pool_sandbox_with_bouncer
    assert sandbox.database.note is None and "OC_PGBOUNCER" in sandbox.env()
    app = make_app(Console(load_config(flags=sandbox.flags(), environ={})))
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: bouncer_seen(app), timeout=30)
        await pilot.press("2")
        await pilot.pause()
        waiting = BOUNCER_CLIENTS - BOUNCER_POOL_SIZE
        line = f"pgbouncer openclaw/openclaw_adapter: clients {BOUNCER_POOL_SIZE} active {waiting}"
        summary = app.screen.query_one("#pool-summary")
        await until(pilot, lambda: line in str(summary.render()))
        # PgBouncer refuses first: its finding is critical while PostgreSQL's pool is not
        snap = app.snapshot
        assert snap is not None and snap.database is not None
        [bouncer] = [f for f in snap.findings if f.id == "pgbouncer-pool-exhausted"]
        assert bouncer.severity is Severity.CRITICAL
        assert f"{waiting} clients wait" in bouncer.summary
        assert snap.database.saturation_pct < 95


def test_without_the_binaries_the_sandbox_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pgbouncer, "binaries", lambda: None)
    db = SandboxDatabase(tmp_path, pool_scenario=False, bouncer=True)
    db.start()
    try:
        assert db.bouncer is None and db.note is not None and "\n" not in db.note
        assert db.note.startswith("sandbox: the pool scenario runs without PgBouncer: no pgbouncer")
    finally:
        db.stop()
