"""The confirmation names the target it acts on, in bold: its name, kubeconfig context and
cluster server, driven by Pilot on the sandbox. A production target asks for its name typed,
and a part of it is not sent on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.engine import Plan
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, confirmation_text
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
APP = {"namespace": "openclaw", "deployment": "openclaw-adapter-amazon"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(parse_scenarios("order"), Path(tmp_path_factory.mktemp("target")),
                 use_prometheus=False)  # fmt: skip
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def production_app(sandbox: Sandbox, audit: Path) -> ConsoleApp:
    config = load_config(flags=sandbox.flags(), environ={})
    kube = config.kubernetes.model_copy(update={"name": "eu-west", "production": True})
    return make_app(Console(config.model_copy(update={"kubernetes": kube}),
                            audit=AuditLog(audit)))  # fmt: skip


def rendered(app: ConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def bold_part(text: Text) -> str:
    return "".join(text.plain[s.start : s.end] for s in text.spans if "bold" in str(s.style))


async def test_the_confirmation_names_the_target_and_asks_for_its_name(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app = production_app(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        plan = await app.service.prepare_action("restart", APP)
        assert isinstance(plan, Plan), plan
        assert plan.where is not None and plan.where.server.startswith("https://127.0.0.1:")
        where = f"target eu-west (context openclaw-sandbox, server {plan.where.server}, production)"
        assert where in bold_part(confirmation_text(plan))
        answers: list[bool | str | None] = []
        app.push_screen(ConfirmScreen(plan), answers.append)
        await until(pilot, lambda: bool(app.screen.query("#typed")))
        assert where in rendered(app, "#question").replace("\n", " ")
        assert "eu-west is a production target: type eu-west to confirm" in rendered(
            app, "#typed-question"
        )
        for key in ("e", "u", "enter"):  # a part of the name is not it
            await pilot.press(key)
        await until(pilot, lambda: "not eu-west" in rendered(app, "#typed-hint"))
        assert answers == []
        for key in ("minus", "w", "e", "s", "t", "enter"):
            await pilot.press(key)
        await until(pilot, lambda: answers == ["eu-west"])
