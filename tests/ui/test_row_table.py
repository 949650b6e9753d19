"""The row table on its own: columns by priority, middle cuts, wrapping, and rows keyed so a
paused cursor does not move while the rows under it change."""

from __future__ import annotations

from textual.app import App, ComposeResult

from oc_console.config import Config
from oc_console.domain.kube import LogLine
from oc_console.screens.app import make_app
from oc_console.screens.logs import LogScreen, log_row, numbered
from oc_console.screens.widgets.columns import Column, shown_columns
from oc_console.screens.widgets.row_table import Row, RowTable
from oc_console.services.console import Console

COLUMNS = (
    Column("NAME", 20, middle=True),
    Column("STATUS", 10),
    Column("SPARE", 12, priority=2),
    Column("COUNT", 6, right=True, priority=1),
    Column("MESSAGE", 20),
)


class One(App[None]):
    def __init__(self, table: RowTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


def test_the_least_useful_column_goes_first_and_a_kept_one_stays() -> None:
    assert shown_columns(COLUMNS, 100) == [0, 1, 2, 3, 4]
    assert shown_columns(COLUMNS, 65) == [0, 1, 3, 4]  # SPARE (priority 2) first
    assert shown_columns(COLUMNS, 55) == [0, 1, 4]
    assert shown_columns(COLUMNS, 55, keep=(2,)) == [0, 1, 2, 4]  # sorted by it: kept


async def test_names_are_cut_in_the_middle_and_keep_their_suffix() -> None:
    table = RowTable(COLUMNS)
    async with One(table).run_test(size=(60, 10)) as pilot:
        table.set_rows([
            Row(f"p{i}", (f"openclaw-adapter-amazon-7d9f8c6b5-{s}", "Running", "", "1", "ok"))
            for i, s in enumerate(("x2k4q", "lcvh2"))
        ])  # fmt: skip
        await pilot.pause()
        first, second = (table.render_line(y).text.split()[0] for y in (1, 2))
        assert first.startswith("openclaw-a") and first.endswith("-x2k4q") and "…" in first
        assert second.endswith("-lcvh2")


async def test_wrap_shows_a_long_message_whole_on_several_lines() -> None:
    message = " ".join(f"word{i}" for i in range(60))
    table = RowTable((Column("NAME", 20), COLUMNS[1], COLUMNS[4]))
    async with One(table).run_test(size=(60, 12)) as pilot:
        table.set_rows([Row("1", ("a", "b", message)), Row("2", ("c", "d", "short"))])
        await pilot.pause()
        assert "…" in table.render_line(1).text and "c" in table.render_line(2).text
        table.set_wrap(True)
        await pilot.pause()
        height = table.virtual_size.height - 1
        assert height > 2
        pieces = [table.render_line(y).text[32:] for y in range(1, height)]
        assert "".join(pieces).rstrip() == message
        assert table.render_line(height).text.startswith("c")


async def test_a_paused_cursor_keeps_its_row_and_line_as_the_ring_turns() -> None:
    def ring(first: int) -> list[Row]:  # 5,000 lines held: the oldest drop as new ones come
        return [log_row(first + i, LogLine(None, "info", f"line {first + i}")) for i in range(5000)]

    table = RowTable(COLUMNS, start_at_top=False)
    async with One(table).run_test(size=(60, 20)) as pilot:
        table.set_rows(ring(0))
        await pilot.pause()
        table.focus()
        table.move_to(2000)
        await pilot.pause()
        row, line = table.current, table.cursor - int(table.scroll_y)
        table.set_rows(ring(37))  # 37 new lines arrived, 37 old ones dropped
        await pilot.pause()
        assert table.current == row and table.current is not None
        assert table.current.cells[4] == "line 2000"
        assert table.cursor - int(table.scroll_y) == line  # same place on the screen


def test_lines_are_numbered_from_a_consistent_read() -> None:
    class Stream:  # the LogStream protocol; a line arrives during the first read
        error: str | None = None
        ended = False

        def __init__(self) -> None:
            self.received = 10
            self._lines = tuple(LogLine(None, None, f"l{i}") for i in range(3, 10))
            self.reads = 0

        def lines(self) -> tuple[LogLine, ...]:
            self.reads += 1
            if self.reads == 1:
                self.received = 11
                self._lines = (*self._lines[1:], LogLine(None, None, "l10"))
            return self._lines

        def stop(self, timeout: float = 2.0) -> None: ...

    stream = Stream()
    first, lines = numbered(stream)
    assert (first, lines[0].msg, len(lines)) == (4, "l4", 7)


async def test_log_title_keeps_the_container_in_brackets() -> None:
    app = make_app(Console(Config()), poll_sources=False)
    async with app.run_test(size=(100, 24)) as pilot:
        await app.push_screen(LogScreen("openclaw", "pod-1", "adapter", previous=True))
        await pilot.pause()
        table = app.screen.query_one("#log", RowTable)
        assert "pod-1 [adapter]" in table.title_text
        assert "pod-1 [adapter]" in app.export_screenshot().replace("&#160;", " ")


def test_every_adapter_sort_keeps_its_column_on_an_80_column_screen() -> None:
    from oc_console.screens.adapter_rows import ADAPTER_COLUMNS, SORTS

    inner = 80 - 2 - 2  # borders and the scrollbar
    default = shown_columns(ADAPTER_COLUMNS, inner)
    assert len(default) < len(ADAPTER_COLUMNS)  # something must go at 80 columns
    assert [ADAPTER_COLUMNS[i].title for i in default][:3] == ["PLATFORM", "READY", "STATUS"]
    for name, column in SORTS:
        assert column in shown_columns(ADAPTER_COLUMNS, inner, keep=(column,)), name
