"""The order timeline at 80 columns, without colour, and reached the way a person does: `o`
typed key by key, `6` then `enter`. Driven by Pilot against the whole sandbox."""

from __future__ import annotations

import pytest

from oc_console.config import load_config
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console
from screens.app import ConsoleApp, make_app
from screens.timeline import TimelineScreen
from screens.widgets.waterfall import Waterfall
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
ORDER = "114-3941689-8772232"


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def timeline_done(app: ConsoleApp) -> bool:
    screen = app.screen
    return (
        isinstance(screen, TimelineScreen) and screen.timeline is not None and screen.timeline.done
    )


async def test_the_timeline_paints_without_colour(
    fleet_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(80, 60)) as pilot:
        assert app.no_color
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        waterfall = app.screen.query_one(Waterfall)
        assert len(waterfall.rows) < waterfall.size.height  # blank lines under the last row
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
    assert not app.return_code  # run_test raises the exception a paint would have ended on


async def test_o_then_the_id_typed_key_by_key_opens_the_timeline(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        for key in ORDER:
            await pilot.press("minus" if key == "-" else key)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        assert app.screen.order_id == ORDER  # type: ignore[attr-defined]
