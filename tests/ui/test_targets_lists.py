"""The list screens over two sandbox clusters at once: unpinned, Events, Certificates,
Adapters, Alerts, Changes and Releases list both clusters' rows with a leading TARGET column;
`:ctx NAME` narrows them to one cluster with their usual columns; the Database says whose it
is; and opening or acting on another cluster's row turns every screen to that cluster first,
so the action is previewed for the cluster the row came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.adapter_detail import EVENT_COLUMNS, AdapterScreen
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, ValuePrompt
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.fleet import Fleet
from tests.integration.action_fixtures import sandbox_config
from tests.ui.pilot_helpers import until
from tests.ui.test_targets_overview import both_read, fleet_app
from tests.ui.test_targets_overview import regions as regions  # the module's two clusters

pytestmark = pytest.mark.integration
TWO = {"eu-west", "us-east"}


def table(app: ConsoleApp, selector: str) -> RowTable:
    return app.screen.query_one(selector, RowTable)


def targets_of(rows: RowTable) -> set[str]:
    return {r.target for r in rows.rows}


async def listing(
    pilot: Pilot[None], app: ConsoleApp, key: str, selector: str, names: set[str] = TWO
) -> RowTable:
    """The screen under `key`, once its table lists the rows of `names` (and no other's)."""
    await pilot.press(key)
    rows = table(app, selector)
    await until(pilot, lambda: targets_of(rows) == names)
    return rows


async def test_unpinned_lists_lead_with_the_target(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        # us-east's cluster has no events: Events lists eu-west's, under the target column
        for key, selector, names in (("4", "#events", {"eu-west"}), ("5", "#certs", TWO),
                                     ("3", "#adapters", TWO), ("7", "#releases", TWO),
                                     ("8", "#changes", TWO)):  # fmt: skip
            rows = await listing(pilot, app, key, selector, names)
            assert rows.columns[0].title == "TARGET", selector
            assert all(r.cells[0] == r.target for r in rows.rows), selector
            assert "all 2 targets" in rows.title_text, selector
        # the same adapters run on both clusters: each once per cluster
        adapters = await listing(pilot, app, "3", "#adapters")
        assert len(adapters.rows) == 2 * len({r.key for r in adapters.rows})
        # soonest expiry first across the clusters: us-east's expiring certificate leads
        certs = await listing(pilot, app, "5", "#certs")
        assert certs.rows[0].target == "us-east"
        await pilot.press("4")
        events = table(app, "#events")
        warnings = [r.cells[2] == "Warning" for r in events.rows]
        assert warnings == sorted(warnings, reverse=True)  # warnings first, from both

        await pilot.press("colon", *"alerts", "enter")
        alerts = table(app, "#alerts")
        await until(pilot, lambda: alerts.columns[0].title == "TARGET")
        assert "all 2 targets" in alerts.title_text
        # a database is one cluster's: the screen says whose
        await pilot.press("2")
        summary = app.screen.query_one("#pool-summary", Static)
        await until(pilot, lambda: "database · eu-west" in str(summary.render()))
        assert ":ctx NAME for another" in str(summary.render())


async def test_pinned_lists_show_one_target(regions: dict[str, Sandbox], tmp_path: Path) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        events = await listing(pilot, app, "4", "#events", {"eu-west"})
        assert events.columns[0].title == "TARGET"
        await pilot.press("colon", *"ctx", "space", *"eu-west", "enter")
        await until(pilot, lambda: events.columns == EVENT_COLUMNS)  # one target: as ever
        assert targets_of(events) == {"eu-west"} and "eu-west only" in events.title_text
        await pilot.press("colon", *"ctx", "space", *"us-east", "enter")
        await until(pilot, lambda: not events.rows)  # us-east has no events
        assert "us-east only" in events.title_text
        for key, selector in (("5", "#certs"), ("3", "#adapters"), ("7", "#releases")):
            rows = await listing(pilot, app, key, selector, {"us-east"})
            assert rows.columns[0].title != "TARGET", selector
        await pilot.press("2")
        summary = app.screen.query_one("#pool-summary", Static)
        await until(pilot, lambda: "database · us-east" in str(summary.render()))

        await pilot.press("colon", *"ctx", "space", "asterisk", "enter")
        await listing(pilot, app, "5", "#certs")


async def test_acting_on_another_targets_row_acts_on_that_target(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        assert app.fleet is not None and app.fleet.focused == "eu-west"
        adapters = await listing(pilot, app, "3", "#adapters")
        first = next(i for i, r in enumerate(adapters.rows) if r.target == "us-east")
        for _ in range(first):
            await pilot.press("down")
        row = adapters.current
        assert row is not None and row.target == "us-east"

        await pilot.press("r")  # restart, on eu-west's screens: previewed for us-east
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 30)
        assert isinstance(app.screen, ConfirmScreen)
        plan = app.screen.plan
        assert app.service is app.fleet.members["us-east"]
        assert plan.where is not None and plan.where.name == "us-east"
        assert "target us-east" in plan.confirmation and "eu-west" not in plan.confirmation
        assert plan.action.target.name == row.key.partition("/")[2]
        await pilot.press("n")  # declined: nothing restarted
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))

        # opening an eu-west row's detail turns the screens back to eu-west
        eu = next(i for i, r in enumerate(adapters.rows) if r.target == "eu-west")
        adapters.focus()
        await pilot.press("home", *["down"] * eu, "enter")
        await until(pilot, lambda: isinstance(app.screen, AdapterScreen))
        assert app.service is app.fleet.members["eu-west"]


async def test_silencing_another_targets_alert_turns_to_its_alertmanager(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        # us-east shown, every target listed: eu-west's OOM kill pages
        await pilot.press("colon", *"ctx", "space", *"us-east", "enter")
        await pilot.press("colon", *"ctx", "space", "asterisk", "enter")
        assert app.fleet is not None and app.service is app.fleet.members["us-east"]
        await pilot.press("colon", *"alerts", "enter")
        alerts = table(app, "#alerts")
        await until(pilot, lambda: any(r.target == "eu-west" for r in alerts.rows))
        await pilot.press(*["down"] * next(i for i, r in enumerate(alerts.rows)
                                           if r.target == "eu-west"))  # fmt: skip
        detail = app.screen.query_one("#alert-detail", Static)
        assert "AdapterOOMKilled" in str(detail.render())  # read from eu-west's Alertmanager

        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        assert app.service is app.fleet.members["eu-west"]
        await pilot.press("escape")  # nothing silenced


async def test_an_action_key_on_a_read_only_targets_row_does_nothing(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    configs = [("eu-west", sandbox_config(regions["eu-west"])),
               ("us-east", sandbox_config(regions["us-east"], read_only=True))]  # fmt: skip
    fleet = Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))
    app = make_app(fleet.current, fleet=fleet)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        adapters = await listing(pilot, app, "3", "#adapters")
        first = next(i for i, r in enumerate(adapters.rows) if r.target == "us-east")
        await pilot.press(*["down"] * first)
        await pilot.press("r")  # offered for eu-west, which is not read-only
        await until(pilot, lambda: app.service is fleet.members["us-east"])
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("does not apply on us-east" in str(n.message) for n in app._notifications)
        assert (
            not (tmp_path / "audit.jsonl").exists()
            or "restart" not in (tmp_path / "audit.jsonl").read_text()
        )
