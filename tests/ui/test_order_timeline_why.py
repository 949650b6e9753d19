"""The order timeline at 80 columns, without colour, and reached the way a person does: `o`
typed key by key, `6` then `enter`. Driven by Pilot against the whole sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from oc_console.sandbox.runner import Sandbox
from oc_console.screens.logs import LogScreen
from oc_console.screens.timeline import TimelineScreen
from oc_console.screens.timeline_rows import LOG
from oc_console.screens.widgets.row_table import RowTable
from oc_console.screens.widgets.waterfall import Waterfall
from tests.ui.order_helpers import ORDER, app_on, timeline_done
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


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


def shown(waterfall: Waterfall, index: int) -> str:
    """Row `index` as painted (the waterfall scrolls it into view first)."""
    waterfall.go(index)
    return waterfall.render_line(index - int(waterfall.scroll_y) + 1).text


async def test_at_80_columns_a_row_says_why(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and app.snapshot.fleet is not None)
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        waterfall = app.screen.query_one(Waterfall)
        rows = waterfall.rows
        first_429 = waterfall.cursor  # the first failure, selected on arrival
        line = shown(waterfall, first_429)
        assert "amazon PUT /orders" in line and "700ms 429 Too Many Requests" in line, line
        assert "error:" not in line
        rate_limited = next(i for i, r in enumerate(rows) if r.kind == LOG and r.style == "retry")
        line = shown(waterfall, rate_limited)
        assert "platform API rate limited (429" in line and "▪ log" not in line, line
        # the status column is not given to attributes at 80 columns
        assert "ATTRIBUTES" not in waterfall.render_line(0).text
        # the sources' different claims, each in its words, on screen in full at 80x24
        summary = app.screen.query_one("#timeline-summary")
        painted = " ".join(
            " ".join(summary.render_line(y).text.split()) for y in range(summary.size.height)
        )
        assert (
            "sources disagree: database 5 attempts, order failed · trace 3 attempts, failed · "
            'log "order sync failed after 3 attempts: 429 Too Many Requests"' in painted
        ), painted


async def test_l_opens_the_pod_log_at_the_span_time(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.snapshot is not None and app.snapshot.fleet is not None)
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        span = app.screen.query_one(Waterfall).current
        assert span is not None and span.span is not None  # the first 429
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        table = app.screen.query_one("#log", RowTable)
        await until(pilot, lambda: table.current is not None and table.current.cells[0] != "")
        await pilot.pause(0.3)
        assert table.current is not None
        at = table.current.cells[0]  # HH:MM:SS.mmm of the line under the cursor
        assert at == span.time, (at, span.time)
        assert "order sync started (attempt 1/3)" in table.current.cells[4]
        assert table.cursor > 0  # the lines before the span are there to read, above it
        await pilot.pause(1.5)  # new lines arrive: the cursor stays at the span's time
        assert table.current is not None and table.current.cells[0] == span.time


async def test_the_orders_database_rows_sit_in_the_window_of_its_trace(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        app.open_order(ORDER)
        await until(pilot, lambda: timeline_done(app))
        timeline = app.screen.timeline  # type: ignore[attr-defined]
        (trace,) = timeline.traces
        start, end = trace.start_ns / 1e9, trace.end_ns / 1e9
        # the sandbox's parts start a few seconds apart: within a minute of the trace
        for event in timeline.events:
            assert start - 60 <= event.created_at.timestamp() <= end + 60, event
        assert start - 60 <= timeline.order.updated_at.timestamp() <= end + 60
        rows = app.screen.query_one(Waterfall).rows
        assert not any("◂" in app.screen.query_one(Waterfall)._bar(r, 20) for r in rows)


def test_an_unknown_order_prints_no_pod_events(fleet_sandbox: Sandbox) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "order", "999-0000000-0000000", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **fleet_sandbox.env()},
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["sources"]["pod_events"]["ok"] and doc["pod_events"] == []


async def test_at_80_columns_events_keep_their_object_and_ages_read_whole(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        events = app.screen.query_one("#events", RowTable)
        await until(pilot, lambda: len(events.rows) > 3)
        assert "OBJECT" in events.render_line(0).text
        painted = [events.render_line(y).text for y in range(1, 6)]
        assert all("pod/" in line for line in painted), painted
        assert all("…" not in line.split()[0] for line in painted), painted  # the age, whole
        await pilot.press("3")
        adapters = app.screen.query_one("#adapters", RowTable)
        await until(pilot, lambda: any("OOMKilled 137 ·" in r.cells[4] for r in adapters.rows))
        await pilot.pause(0.3)
        shown = [adapters.render_line(y).text for y in range(1, len(adapters.rows) + 1)]
        oom = [line for line in shown if "OOMKilled 137 ·" in line]
        assert oom and all("· -" not in line and "· …" not in line for line in oom), oom
        assert all(re.search(r"OOMKilled 137 · \d+[smhd] ", line) for line in oom), oom
        assert "MEM/LIMIT" in adapters.render_line(0).text
