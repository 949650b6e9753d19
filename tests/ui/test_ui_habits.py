"""The console's habits at 80x24, driven by Pilot on snapshots made here (no backend): prompts
you can see, filters that say so, the Why panel, navigation, help and footer, NO_COLOR."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual import events

from oc_console.config import Config
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.help import HelpScreen
from oc_console.screens.widgets.key_footer import KeyFooter
from oc_console.screens.widgets.prompt import Prompt
from oc_console.screens.widgets.row_detail import RowDetail
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console

NOW = datetime(2026, 11, 21, 3, 12, tzinfo=UTC)
CRD_ERROR = (
    'failed to list ShopSyncPolicy: no matches for kind "ShopSyncPolicy" in version '
    '"openclaw.io/v1beta2" (CRD missing or not upgraded by Helm)'
)
CRASHLOOP = Finding(
    "adapter-crashloop",
    Severity.CRITICAL,
    "openclaw/openclaw-adapter-shopee",
    "1 container of the shopee adapter keeps crashing on start (last exit: Error) and "
    "Kubernetes is backing off their restarts.",
    (
        "openclaw-adapter-shopee-4knzrvchgx-ktr5l/adapter: CrashLoopBackOff, 9 restarts",
        "previous log of openclaw-adapter-shopee-4knzrvchgx-ktr5l/adapter:",
        *(f"  starting step {i}" for i in range(12)),
        f"  {CRD_ERROR}",
        "  config error: CustomResourceDefinition shopsyncpolicies.openclaw.io v1beta2 not served",
    ),
    runbook="adapter-crashloop",
)


def finding(n: int, severity: Severity = Severity.WARNING, subject: str = "") -> Finding:
    return Finding(
        f"rule-{n}", severity, subject or f"openclaw/openclaw-adapter-{n}", f"finding number {n}"
    )


def snapshot(*findings: Finding) -> ConsoleSnapshot:
    return ConsoleSnapshot(
        generated_at=NOW,
        context="sandbox",
        namespaces=("openclaw",),
        read_only=False,
        sources=(),
        database=None,
        findings=findings,
    )


class ShownConsole(Console):
    """Shows the snapshot it is given; tests hand the app new ones as sources would."""

    def __init__(self, first: ConsoleSnapshot) -> None:
        super().__init__(Config(), context_label="sandbox")
        self.first = first

    def snapshot(self) -> ConsoleSnapshot:
        return self.first


def app_with(*findings: Finding) -> ConsoleApp:
    return make_app(ShownConsole(snapshot(*findings)), poll_sources=False)


def findings_table(app: ConsoleApp) -> RowTable:
    return app.screen.query_one("#findings", RowTable)


def lines(table: RowTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_prompt_shows_what_is_typed_in_place_of_the_footer() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", "d", "b")
        await pilot.pause()
        prompt = app.screen.query_one(Prompt)
        assert prompt.display and prompt.region.y == 23 and prompt.region.height == 1
        assert not app.screen.query_one(KeyFooter).display  # not drawn over the prompt
        assert prompt.input.value == "db"
        assert str(app.screen.query_one("#prompt-mark").render()) == ":"
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "database" and not app.screen.query_one(Prompt).display


async def test_keys_typed_fast_after_slash_land_in_the_prompt() -> None:
    """A terminal delivers `/am` in one read: the keys after `/` were queued for the table."""
    app = app_with(CRASHLOOP, finding(1))
    async with app.run_test(size=(80, 24)) as pilot:
        for key, char in (("slash", "/"), ("s", "s"), ("slash", "/"), ("h", "h")):
            app.post_message(events.Key(key, char))
        await pilot.pause(0.2)
        assert findings_table(app).filter_text == "s/h"  # a `/` in the prompt is typed


async def test_filter_is_named_cleared_by_esc_and_stays_on_its_screen() -> None:
    app = app_with(CRASHLOOP, finding(1), finding(2))
    async with app.run_test(size=(80, 24)) as pilot:
        table = findings_table(app)
        await pilot.press("slash", *"shopee", "enter")
        await pilot.pause()
        assert len(table.rows) == 1
        assert "filter: shopee" in table.title_text
        await pilot.press("escape")  # clears the filter; does not leave the screen
        await pilot.pause()
        assert len(table.rows) == 3 and "filter" not in table.title_text
        assert app.current_mode == "overview"

        await pilot.press("slash", *"shopee", "enter", "2", "1")
        await pilot.pause()
        assert len(findings_table(app).rows) == 3  # another screen in between: dropped
        assert "filter" not in findings_table(app).title_text


async def test_why_panel_takes_up_to_half_the_screen_scrolls_and_keeps_whole_lines() -> None:
    app = app_with(CRASHLOOP, *(finding(i) for i in range(3)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        why = app.screen.query_one("#why")
        assert 5 < why.region.height <= 12
        assert why.max_scroll_y > 0  # longer than its room: it scrolls
        shown = str(app.screen.query_one("#finding-detail").render())
        assert CRD_ERROR in " ".join(shown.split())  # the whole line, wrapped, not cut
        assert "runbook: adapter-crashloop" in shown
    tall = app_with(CRASHLOOP)
    async with tall.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert tall.screen.query_one("#why").region.height > 7  # not a fixed 5 lines


async def test_list_follows_its_top_until_a_key_is_pressed() -> None:
    warn = finding(1)
    app = app_with(warn, finding(2))
    async with app.run_test(size=(80, 24)) as pilot:
        table = findings_table(app)
        await pilot.pause()
        assert table.cursor == 0 and table.current.key == "rule-1:openclaw/openclaw-adapter-1"  # type: ignore[union-attr]
        app.snapshot = snapshot(warn, finding(2), CRASHLOOP)  # a worse one arrives above
        await pilot.pause()
        assert table.current.key.startswith("adapter-crashloop")  # type: ignore[union-attr]
        assert "shopee" in str(app.screen.query_one("#finding-detail").render())
        await pilot.press("down")  # the user chose a row: it keeps it
        await pilot.pause()
        chosen = table.current.key  # type: ignore[union-attr]
        app.snapshot = snapshot(warn, finding(2), CRASHLOOP, finding(9, Severity.CRITICAL))
        await pilot.pause()
        assert table.current.key == chosen  # type: ignore[union-attr]


async def test_only_the_focused_table_shows_its_cursor() -> None:
    app = app_with(CRASHLOOP, finding(1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = findings_table(app)
        assert table.has_focus
        assert "reverse" in str(next(iter(table.render_line(1))).style)
        table.blur()
        await pilot.pause()
        assert all("reverse" not in str(s.style) for s in table.render_line(1))


async def test_a_screens_number_returns_to_its_list() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.push_screen(HelpScreen("x", {}))  # any screen opened over the list
        from oc_console.screens.adapter_detail import AdapterScreen

        await app.push_screen(AdapterScreen("openclaw/openclaw-adapter-shopee"))
        await pilot.pause()
        assert len(app.screen_stack) == 3
        await pilot.press("3")
        await pilot.pause()
        assert app.current_mode == "adapters" and len(app.screen_stack) == 1


async def test_help_is_titled_grouped_and_names_keys_as_typed() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        groups = app.screen.groups
        keys = [k for rows in groups.values() for k, _ in rows]
        names = " ".join(keys).split()
        assert len(names) == len(set(names))  # each key once
        assert {"?", ":", "/", "esc", "d", "q"} <= set(names)
        assert not {"question_mark", "colon", "slash", "escape"} & set(names)
        assert {k for k, _ in groups["Everywhere"]} >= {"?", ":", "/"}
        assert "Overview" in str(app.screen.query_one("VerticalScroll").border_title)


async def test_footer_fits_80_columns_whole_entries_most_useful_first() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        text = str(app.screen.query_one(KeyFooter).render())
        assert len(text) <= 80
        assert text.startswith(" d describe  S sort  ")
        assert "? help  : command  / filter" in text
        assert "?help" not in text and ":cmd" not in text
        entries = [e.strip() for e in text.split("  ") if e.strip()]
        assert all(len(e.split(" ", 1)) == 2 for e in entries)  # key and a whole word


async def test_palette_keys_opens_the_help_that_closes_with_esc() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert commands["Keys"].callback == app.action_help  # ours, not Textual's panel
        commands["Keys"].callback()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel") and not isinstance(app.screen, HelpScreen)


async def test_describe_shows_every_column_in_full() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, RowDetail)
        assert app.screen.cells[2] == CRASHLOOP.summary
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RowDetail)


async def test_no_color_starts_and_marks_the_selected_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_with(CRASHLOOP, finding(1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "1")
        await pilot.pause()
        assert app.no_color
        body = lines(findings_table(app))
        assert body[1].startswith("▶CRIT") and body[2].startswith(" WARN")
        app.save_screenshot(filename="no-color.svg", path=str(tmp_path))  # paints every line


async def test_the_column_sorted_by_stays_on_an_80_column_screen() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        adapters = app.screen.query_one("#adapters", RowTable)
        assert "429" not in adapters.render_line(0).text  # dropped at 80 columns...
        await pilot.press("S", "S", "S", "S")  # ...until the table is sorted by it
        await pilot.pause()
        assert "sorted by 429s" in adapters.title_text
        assert "429" in adapters.render_line(0).text
        assert "PLATFORM" in adapters.render_line(0).text


async def test_log_lines_wrap_on_w_and_the_selected_one_reads_whole() -> None:
    from oc_console.domain.kube import LogLine
    from oc_console.screens.logs import LogScreen

    long = "order sync failed after 3 attempts: " + "429 Too Many Requests; " * 8 + "parked"

    class Logs(ShownConsole):
        async def log_tail(
            self, namespace: str, pod: str, container: str, *, previous: bool = False,
            tail: int = 500,
        ) -> tuple[LogLine, ...]:  # fmt: skip
            return (LogLine("2026-11-21T03:11:00.000Z", "info", "started"),
                    LogLine("2026-11-21T03:12:00.000Z", "error", long))  # fmt: skip

    app = make_app(Logs(snapshot(CRASHLOOP)), poll_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(LogScreen("openclaw", "pod-1", "adapter", previous=True))
        table = app.screen.query_one("#log", RowTable)
        while len(table.rows) < 2:
            await pilot.pause(0.05)
        await pilot.press("down")
        await pilot.pause()
        assert long in " ".join(str(app.screen.query_one("#log-line").render()).split())
        assert "…" in table.render_line(2).text and table.virtual_size.height == 3
        await pilot.press("w")
        await pilot.pause()
        assert table.virtual_size.height > 4  # the long line takes several lines
        shown = "".join("".join(table.render_line(y).text.split()) for y in range(1, 12))
        assert "".join(long.split()) in shown  # every piece, in order
