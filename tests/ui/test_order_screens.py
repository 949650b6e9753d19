"""The order lookup on screen, driven by Pilot against the whole sandbox: from the Overview's
finding to the timeline, the Orders screen, `o` and `:order`, the span detail and `l`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import make_app
from oc_console.screens.confirm import ConfirmScreen
from oc_console.screens.logs import LogScreen
from oc_console.screens.span_detail import SpanDetailScreen
from oc_console.screens.timeline import TimelineScreen
from oc_console.screens.timeline_rows import LOG
from oc_console.screens.widgets.row_table import RowTable
from oc_console.screens.widgets.waterfall import Waterfall
from oc_console.services.console import Console
from tests.ui.order_helpers import ORDER, app_on, timeline_done
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration


async def test_the_failed_order_opens_from_its_overview_finding(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(160, 50)) as pilot:
        findings = app.screen.query_one("#findings", RowTable)
        key = f"order-sync-failed:order/{ORDER}"
        await until(pilot, lambda: any(r.key == key for r in findings.rows))
        pick(findings, lambda r: r.key == key)
        assert findings.current is not None and findings.current.key == key
        await pilot.press("enter")
        # the module's first lookup: its workers import the trace decoders cold, on a busy CI box
        await until(pilot, lambda: timeline_done(app), timeout=45)
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.order_id == ORDER
        timeline = screen.timeline
        assert timeline is not None and all(p.ok for p in timeline.sources)
        waterfall = screen.query_one(Waterfall)
        current = waterfall.current
        # the first failing span is selected on open: the first 429
        assert current is not None and current.span is not None
        assert current.span.attribute("http.status_code") == "429"
        assert current.span.attribute("retry") == "0"
        assert any(r.kind == LOG for r in waterfall.rows)
        assert any(r.critical for r in waterfall.rows)
        await pilot.press("enter")
        assert isinstance(app.screen, SpanDetailScreen)
        await pilot.press("escape")
        await pilot.press("l")  # the log of that span's pod, at its time
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        assert app.screen.target[1] == current.span.pod  # type: ignore[attr-defined]


async def test_orders_screen_and_o_and_colon_order(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        orders = app.screen.query_one("#orders", RowTable)
        await until(pilot, lambda: any(r.key == ORDER for r in orders.rows))
        assert {r.cells[0] for r in orders.rows if r.cells[0]} >= {"amazon", "shopee"}
        orders.action_cursor(next(i for i, r in enumerate(orders.rows) if r.key == ORDER))
        await pilot.press("enter")
        await until(pilot, lambda: timeline_done(app))
        await pilot.press("escape")
        await pilot.press("o")
        for ch in "bad'id":
            await pilot.press(ch if ch != "'" else "apostrophe")
        await pilot.press("enter")
        assert not isinstance(app.screen, TimelineScreen)  # refused, with one line
        app.run_command_line("order 102-0015838-0209458")
        await until(pilot, lambda: timeline_done(app))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert any("took 12.8 s" in f for f in screen.timeline.findings)  # type: ignore[union-attr]


async def test_l_opens_the_pod_log_when_the_timeline_has_no_line_of_it(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and app.snapshot.fleet is not None)
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        waterfall = app.screen.query_one(Waterfall)
        last_span = max(i for i, r in enumerate(waterfall.rows) if r.span is not None)
        waterfall.go(last_span)  # the database update, after the last log line
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))


async def test_a_failed_source_is_named_on_the_timeline_and_the_rest_shows(
    fleet_sandbox: Sandbox,
) -> None:
    flags = {**fleet_sandbox.flags(), "traces.url": "http://127.0.0.1:9"}
    app = make_app(Console(load_config(flags=flags, environ={})))
    async with app.run_test(size=(160, 40)) as pilot:
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        summary = str(screen.query_one("#timeline-summary").render())
        assert "✖traces: http://127.0.0.1:9" in summary and "●db" in summary
        rows = screen.query_one(Waterfall).rows
        assert rows and all(r.span is None for r in rows)  # the database and log markers


async def test_p_on_an_order_previews_its_replay_and_a_no_is_audited(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        orders = app.screen.query_one("#orders", RowTable)
        await until(pilot, lambda: any(r.key == ORDER for r in orders.rows))
        orders.action_cursor(next(i for i, r in enumerate(orders.rows) if r.key == ORDER))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        preview = app.screen.plan.preview.detail  # type: ignore[attr-defined]
        assert "/v1/workflows/trigger" in preview and ORDER in preview
        assert "Bearer ***" in preview or "<redacted>" in preview.lower()
        await pilot.press("n")
        log: Path = app.service.audit.path
        await until(pilot, lambda: log.exists() and log.stat().st_size > 0)
        (record,) = [json.loads(line) for line in log.read_text().splitlines()]
        assert record["action"] == "replay" and record["reason"] == "declined"
