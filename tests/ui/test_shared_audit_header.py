"""The shared audit on a real PostgreSQL, seen from a second console: another engineer's action
reaches this console's Overview header within one refresh ("1 action by others in the last
hour"), `A` lists it, newest first; an audit database that cannot be reached fails alone, and
the header says so while every other source reads on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oc_console.runbook.audit import AuditLog, now_iso
from oc_console.runbook.audit_shared import migrate
from oc_console.sandbox.postgres import EmbeddedPostgres
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.shared_audit import SharedAuditScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.screens.widgets.source_bar import SourceBar
from oc_console.services.console import Console
from tests.integration.action_fixtures import sandbox_config
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
REFRESH_S = 1.0
ROLES = """
CREATE ROLE {role} LOGIN PASSWORD 'p-{role}';
GRANT USAGE ON SCHEMA public TO {role};
GRANT INSERT, SELECT ON oc_console_audit TO {role};
"""


@pytest.fixture(scope="module")
def audit_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(Path(tmp_path_factory.mktemp("team-pg"))).start()
    try:
        asyncio.run(migrate(pg.dsn))
        pg.psql(ROLES.format(role="alice") + ROLES.format(role="bob"))
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def team_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = Sandbox(
        parse_scenarios("none"), Path(tmp_path_factory.mktemp("team")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def restart_by_alice(phase: str) -> dict[str, Any]:
    return {"id": "a1ce" * 8, "user": "alice", "host": "alice-laptop", "context": "prod",
            "action": "restart", "phase": phase, "at": now_iso(),
            "target": {"kind": "deployment", "name": "openclaw-adapter-amazon",
                       "namespace": "openclaw"}}  # fmt: skip


def header(app: ConsoleApp) -> str:
    return str(app.screen.query_one(SourceBar).render())


def sources_ok(app: ConsoleApp, *names: str) -> bool:
    snap = app.snapshot
    return snap is not None and all(s.ok for s in snap.sources if s.name in names)


def bob_app(sandbox: Sandbox, dsn: str, audit: Path) -> ConsoleApp:
    config = sandbox_config(sandbox, **{"audit.dsn": dsn, "ui.refresh_seconds": REFRESH_S})
    return make_app(Console(config, audit=AuditLog(audit, shared_dsn=dsn)))


async def test_a_second_console_sees_the_first_ones_action_within_one_refresh(
    audit_pg: EmbeddedPostgres, team_sandbox: Sandbox, tmp_path: Path
) -> None:
    bob = bob_app(team_sandbox, audit_pg.dsn_for("bob", "p-bob", "postgres"), tmp_path / "b")
    alice = AuditLog(tmp_path / "alice.jsonl",
                     shared_dsn=audit_pg.dsn_for("alice", "p-alice", "postgres"))  # fmt: skip
    async with bob.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: "0 actions by others in the last hour" in header(bob))
        await alice.write(restart_by_alice("start"))
        await alice.write(restart_by_alice("end"))
        assert alice.shared is not None
        await alice.shared.flush()
        sent = asyncio.get_running_loop().time()
        await until(pilot, lambda: "1 action by others in the last hour" in header(bob))
        # one refresh of the shared audit's poller, and the time its read takes
        assert asyncio.get_running_loop().time() - sent < REFRESH_S + 1.5
        await pilot.press("A")
        assert isinstance(bob.screen, SharedAuditScreen)
        table = bob.screen.query_one("#shared-audit", RowTable)
        await until(pilot, lambda: len(table.rows) >= 2)
        newest, older = table.rows[0].cells, table.rows[1].cells
        assert newest[1] == "alice@alice-laptop" and newest[2] == "restart"
        assert (newest[4], older[4]) == ("end", "start")
        assert newest[3] == "openclaw/deployment/openclaw-adapter-amazon"
        await pilot.press("escape")  # elsewhere than the Overview the header says nothing of it
        await pilot.press("3")
        await until(pilot, lambda: "actions by others" not in header(bob))
        assert "action by others" not in header(bob)
    await alice.close()


async def test_an_unreachable_audit_database_fails_alone_and_says_so(
    team_sandbox: Sandbox, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dsn = f"postgresql://bob:p-secret@127.0.0.1:{port}/postgres"
    app = bob_app(team_sandbox, dsn, tmp_path / "b")
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: "shared audit down (A)" in header(app))
        # every other source reads on beside it
        await until(pilot, lambda: sources_ok(app, "kubernetes", "postgres"))
        assert "shared audit down (A)" in header(app)
        assert "p-secret" not in header(app)
        await pilot.press("A")
        why = str(app.screen.query_one("#shared-audit-why").render())
        await until(
            pilot,
            lambda: "cannot connect" in str(app.screen.query_one("#shared-audit-why").render()),
        )
        assert "p-secret" not in why
