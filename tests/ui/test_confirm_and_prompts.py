"""The questions around an action, driven by Pilot on the sandbox: a step on several targets
shows every one in its confirmation; the scale prompt shows the replicas and the HPA that would
undo a manual scale; `:q` and ctrl+c ask before interrupting a running action; a verified
replay shows on the open timeline as `synced`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from textual.widgets import Static

from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.engine import Plan
from oc_console.sandbox.openclaw_db import STUCK_ORDER
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, QuitScreen, ValuePrompt
from oc_console.screens.recent_actions import RecentActionsScreen
from oc_console.screens.timeline import TimelineScreen
from oc_console.screens.widgets.row_table import Row, RowTable
from oc_console.services.console import Console
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration
NS = "openclaw"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(parse_scenarios("order"), Path(tmp_path_factory.mktemp("confirm")),
                 use_prometheus=False)  # fmt: skip
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def app_on(sandbox: Sandbox, audit: Path) -> ConsoleApp:
    config = load_config(flags=sandbox.flags(), environ={})
    return make_app(Console(config, audit=AuditLog(audit)))


def _ends_with(row: Row, suffix: str) -> bool:
    return row.key.endswith(suffix)


def rendered(app: ConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_step_on_several_targets_lists_every_one(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_on(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        plans = []
        for platform in ("lazada", "coupang", "shopee"):
            params = {"namespace": NS, "deployment": f"openclaw-adapter-{platform}"}
            prepared = await app.service.prepare_action("restart", params)
            assert isinstance(prepared, Plan), prepared
            plans.append(prepared)
        answers: list[bool | str | None] = []
        app.push_screen(ConfirmScreen(plans[0], 3, others=plans[1:]), answers.append)
        await until(pilot, lambda: bool(app.screen.query("#targets")))
        targets = rendered(app, "#targets")
        assert "and 2 more targets" in rendered(app, "#question")
        for i, platform in enumerate(("lazada", "coupang", "shopee"), 1):
            assert f"{i}. rollout restart deployment/openclaw-adapter-{platform}" in targets
        assert targets.count("restart every pod of deployment") == 3
        await pilot.press("n")
        await until(pilot, lambda: answers == [False])


async def test_the_scale_prompt_shows_the_replicas_and_the_hpa(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app = app_on(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        await pilot.press("3")
        adapters = app.screen.query_one("#adapters", RowTable)
        await until(pilot, lambda: len(adapters.rows) == 7)
        for platform, hpa in (("-amazon", True), ("-lazada", False)):
            pick(adapters, partial(_ends_with, suffix=platform))
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
            question = app.screen.question  # type: ignore[attr-defined]
            assert "replicas now: " in question
            assert ("will override a manual scale" in question) is hpa
            assert ("no HorizontalPodAutoscaler" in question) is not hpa
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ValuePrompt))
    assert not (tmp_path / "audit.jsonl").exists()


async def test_colon_q_and_ctrl_c_ask_with_an_action_running(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        app.run_command_line("actions")
        await until(pilot, lambda: bool(app.screen.query("#recent-actions")))
        assert isinstance(app.screen, RecentActionsScreen)
        await pilot.press("escape")
        params = {"namespace": NS, "deployment": "openclaw-adapter-shopify"}
        prepared = await app.service.prepare_action("restart", params)
        assert isinstance(prepared, Plan), prepared
        sandbox.kube.faults.latency = 0.3  # the rollout takes a while
        try:
            app.service.actions.start(prepared, confirmed=True)
            app.run_command_line("q")
            await until(pilot, lambda: isinstance(app.screen, QuitScreen))
            assert "restart shopify" in rendered(app, "#quit-question")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, QuitScreen))
            await pilot.press("ctrl+c")
            await until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("ctrl+c")  # twice: quit anyway
            for _ in range(100):
                if not app.is_running:
                    break
                await asyncio.sleep(0.05)
        finally:
            sandbox.kube.faults.latency = 0.0
    [run] = app.service.actions.recent()
    assert run.status == "interrupted"


async def test_a_verified_replay_shows_synced_on_the_open_timeline(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app = app_on(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        app.open_order(STUCK_ORDER)
        await until(pilot, lambda: bool(app.screen.query("#timeline-summary")))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        await until(pilot, lambda: screen.timeline is not None and screen.timeline.done)
        assert "failed" in rendered(app, "#timeline-summary")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
        await pilot.press("y")
        await until(pilot, lambda: bool(app.service.actions.recent()), timeout=60)
        [run] = app.service.actions.recent()
        assert run.status == "done", run.message
        await until(pilot, lambda: "synced" in rendered(app, "#timeline-summary"), timeout=30)
