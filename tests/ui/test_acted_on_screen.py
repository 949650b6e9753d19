"""A restart through the engine shows on the adapter's screen as "acted on by <user>, <age>
ago", from the Event it left on the Deployment (any console's, read by the watch)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.runbook.audit import AuditLog
from oc_console.runbook.engine import Plan
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.adapter_detail import AdapterScreen
from oc_console.screens.app import make_app
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.services.console import Console
from tests.integration.action_fixtures import sandbox_config
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
KEY = "openclaw/openclaw-adapter-amazon"


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """Its own: the restart changes the sandbox other screen tests look at."""
    sandbox = Sandbox(
        parse_scenarios("none"), Path(tmp_path_factory.mktemp("acted")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


async def test_the_adapter_screen_says_who_acted_on_it(
    own_sandbox: Sandbox, tmp_path: Path
) -> None:
    console = Console(sandbox_config(own_sandbox), audit=AuditLog(tmp_path / "a.jsonl"))
    app = make_app(console)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        plan = await console.prepare_action("restart", {"deployment": "openclaw-adapter-amazon"})
        assert isinstance(plan, Plan), plan
        result = await console.run_action(plan, confirmed=True)
        assert result.status == "done", result.message
        await app.push_screen(AdapterScreen(KEY))
        box = app.screen.query_one("#deployment", QuietStatic)
        await until(pilot, lambda: "acted on by" in str(box.render()))
        user = console.audit.read().records[0]["user"]
        assert f"acted on by {user}, " in str(box.render())


async def test_h_writes_the_handoff_beside_the_audit_log(
    own_sandbox: Sandbox, tmp_path: Path
) -> None:
    console = Console(sandbox_config(own_sandbox), audit=AuditLog(tmp_path / "a.jsonl"))
    app = make_app(console)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        await pilot.press("H")
        await until(pilot, lambda: any("hand-off" in str(n.message) for n in app._notifications))
        (note,) = [str(n.message) for n in app._notifications if "hand-off" in str(n.message)]
        assert note.startswith("hand-off written to ")
        written = Path(note.removeprefix("hand-off written to "))
        assert written.parent == tmp_path and oct(written.stat().st_mode & 0o777) == "0o600"
        text = written.read_text()
        assert text.startswith("# Hand-off: openclaw-sandbox, last 2h")
        assert "## What is wrong now" in text and "## Open questions" in text
