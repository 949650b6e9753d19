"""The page and what changed, driven by Pilot at 80x24 against the whole sandbox: the Pages
strip on the Overview, `x` and `X` on the Alerts screen, and the Changes screen."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.pilot import Pilot

from oc_console.config_loading import load_config
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, ValuePrompt
from oc_console.screens.widgets.pages_strip import PagesStrip
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
SIZE = (80, 24)


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def firing(app: ConsoleApp, name: str) -> bool:
    snap = app.snapshot
    return bool(snap and any(m.alert.alertname == name for m in snap.firing))


async def test_the_pages_strip_leads_and_names_the_unexplained(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: firing(app, "InventoryFeedStale"), timeout=40)
        await until(pilot, lambda: firing(app, "AdapterOOMKilled") and app.snapshot.fleet)  # type: ignore[union-attr]
        await pilot.pause(0.2)
        strip = app.screen.query_one(PagesStrip)
        text = str(strip.render())
        assert text.startswith("Pages ") and "unexplained" in text
        assert "InventoryFeedStale" in text  # never the one left off, though not the worst
        assert strip.region.y == 1  # right under the header, above the findings
        findings = {f.id: f for f in app.snapshot.findings}  # type: ignore[union-attr]
        assert findings["alert-unexplained"].pages == ("InventoryFeedStale",)
        assert "AdapterOOMKilled" in findings["adapter-oomkilled"].pages


def _audit() -> list[dict[str, object]]:
    path = Path(os.environ["XDG_STATE_HOME"]) / "oc-console" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_x_silences_the_alert_and_X_expires_it(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: firing(app, "InventoryFeedStale"), timeout=40)
        await pilot.press("colon", *"alerts", "enter")
        alerts = app.screen.query_one("#alerts", RowTable)
        await until(pilot, lambda: any(r.cells[1] == "InventoryFeedStale" for r in alerts.rows))
        while alerts.current is None or alerts.current.cells[1] != "InventoryFeedStale":
            await pilot.press("down")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        await pilot.press("enter")  # the proposed matchers
        await pilot.pause(0.1)
        await pilot.press("enter")  # 2h
        await pilot.pause(0.1)
        await pilot.press(*"feed team paged", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        preview = app.screen.plan.preview.detail  # type: ignore[attr-defined]
        assert '"createdBy"' in preview and "InventoryFeedStale" in preview
        await pilot.press("y")
        await until(pilot, lambda: any(r.get("phase") == "end" for r in _audit()), timeout=20)
        end = [r for r in _audit() if r.get("phase") == "end"][-1]
        assert end["action"] == "silence" and end["outcome"] == "ok"
        app.refresh_data()
        await until(pilot, lambda: not firing(app, "InventoryFeedStale"), timeout=30)
        silences = app.screen.query_one("#silences", RowTable)
        await until(pilot, lambda: any(r.cells[0] != "expired" for r in silences.rows))
        silences.focus()
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                [r.get("action") for r in _audit() if r.get("phase") == "end"][-1:]
                == ["expire-silence"]
            ),
            timeout=20,
        )
        app.refresh_data()
        await until(pilot, lambda: firing(app, "InventoryFeedStale"), timeout=30)


async def test_changes_at_80x24_cost_no_list_call(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: bool(app.snapshot and app.snapshot.fleet and app.snapshot.changes)
        )
        lists = lambda: sum(  # noqa: E731
            n for (verb, _), n in fleet_sandbox.kube.faults.requests.items() if verb == "list"
        )
        before = lists()
        await pilot.press("8")
        table = app.screen.query_one("#changes", RowTable)
        await until(pilot, lambda: any(r.cells[2] == "rollout" for r in table.rows))
        await pilot.pause(1.0)
        assert lists() == before
        rollout = next(r for r in table.rows if r.cells[2] == "rollout" and "2.15.0" in r.cells[4])
        assert "│" in rollout.cells[0]  # on the axis, within the last hour
        assert any(r.cells[2] == "5xx" and r.cells[3] == "tiktok" for r in table.rows)
        findings = {f.id: f for f in app.snapshot.findings}  # type: ignore[union-attr]
        assert "2m before the crash loop began" in findings["changed-before-it-broke"].summary


async def _silence_everything(pilot: Pilot[None], app: ConsoleApp, answer: str) -> None:
    """`x` on the highlighted alert, the proposed matchers replaced by `alertname=~.+`, and
    `answer` typed where the console asks for the word `all`."""
    await pilot.press("x")
    await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
    await pilot.press("end", "ctrl+u", *"alertname=~.+", "enter")
    await pilot.pause(0.1)
    await pilot.press("enter")  # 2h
    await pilot.pause(0.1)
    await pilot.press(*"maintenance", "enter")
    await until(pilot, lambda: isinstance(app.screen, ValuePrompt)
                and "Type all" in app.screen.question)  # type: ignore[attr-defined]  # fmt: skip
    assert "matches any alert" in app.screen.question  # type: ignore[attr-defined]
    await pilot.press(*answer, "enter")


async def test_a_silence_of_every_page_needs_the_word_all(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    refusals = lambda: [r for r in _audit() if r.get("reason") == "match-all"]  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: firing(app, "InventoryFeedStale"), timeout=40)
        await pilot.press("colon", *"alerts", "enter")
        alerts = app.screen.query_one("#alerts", RowTable)
        await until(pilot, lambda: alerts.current is not None)
        before = len(refusals())
        await _silence_everything(pilot, app, "yes")  # not the word: the engine refuses
        await until(pilot, lambda: len(refusals()) == before + 1, timeout=20)
        assert refusals()[-1]["phase"] == "refused"
        assert not isinstance(app.screen, ConfirmScreen)
        await _silence_everything(pilot, app, "all")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert plan.action.match_all and '"alertname"' in plan.preview.detail
        await pilot.press("n")  # the other tests need their pages
        await until(pilot, lambda: _audit()[-1:] and _audit()[-1].get("reason") == "declined")
        assert len(refusals()) == before + 1
