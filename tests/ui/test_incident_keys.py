"""The incident keys, driven by Pilot on the sandbox: `:incident start` starts it (an audit
record with who and when), `N` writes a note into the audit (one line, redacted), `A` opens the
shared audit, which says how to configure one when there is none; the hand-off (`H`) then tells
the incident in time order with the note in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.shared_audit import SharedAuditScreen
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.integration.action_fixtures import records, sandbox_config
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def quiet_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """No scenario: nothing CRITICAL starts the incident before the operator does."""
    sandbox = Sandbox(
        parse_scenarios("none"), Path(tmp_path_factory.mktemp("incident")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def notes(app: ConsoleApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_incident_start_a_note_and_the_shared_audit(
    quiet_sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    console = Console(sandbox_config(quiet_sandbox), audit=AuditLog(audit))
    app = make_app(console)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        assert console.incident.start is None
        await pilot.press("colon", *"incident start", "enter")
        await until(pilot, lambda: any(r["phase"] == "incident" for r in records(audit)))
        (started,) = records(audit)
        assert started["action"] == "incident start" and started["user"] and started["at"]
        assert console.incident.start is not None
        assert ":incident start by " in console.incident.start.why
        await until(pilot, lambda: any(n.startswith("incident started ") for n in notes(app)))
        # a second one says since when, and writes nothing
        await pilot.press("colon", *"incident start", "enter")
        await until(pilot, lambda: any("already under way" in n for n in notes(app)))
        assert len(records(audit)) == 1

        await pilot.press("N")  # the prompt, already saying `note `
        await pilot.press(*"amazon restarted, pwd=hunter2 fixed", "enter")
        await until(pilot, lambda: any(r["phase"] == "note" for r in records(audit)))
        note = records(audit)[-1]
        assert note["note"].startswith("amazon restarted, pwd=")
        assert "hunter2" not in note["note"]  # redacted before it was written
        assert note["user"] == started["user"] and note["at"] > started["at"]
        await until(pilot, lambda: any(n.startswith("note added: amazon") for n in notes(app)))
        await pilot.press("colon", *"note", "enter")  # nothing to say: refused, one line
        await until(pilot, lambda: any(n.startswith("a note needs some text") for n in notes(app)))
        assert len(records(audit)) == 2

        await pilot.press("A")
        assert isinstance(app.screen, SharedAuditScreen)
        why = app.screen.query_one("#shared-audit-why", QuietStatic)
        await until(pilot, lambda: "no shared audit configured" in str(why.render()))
        assert "--audit-dsn" in str(why.render()) and "oc-console audit init" in str(why.render())
        assert not app.screen.query_one(RowTable).rows

        await pilot.press("escape", "H")
        await until(pilot, lambda: any(n.startswith("hand-off written") for n in notes(app)))
        written = next(n for n in notes(app) if n.startswith("hand-off written"))
        text = Path(written.removeprefix("hand-off written to ")).read_text()
        assert "_Incident started " in text and ":incident start by " in text
        timeline = text.split("## Timeline")[1].split("##")[0]
        assert timeline.index("incident started by ") < timeline.index("note by ")
