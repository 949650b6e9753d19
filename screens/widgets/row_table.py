"""A table that renders only the rows on screen (Textual's Line API over plain tuples).

DataTable builds every row and repaints its whole region on a change; this one costs the same
to paint for 100 or 100,000 rows, and a changed row repaints one line.

Every cell is backend text: it is cleaned of control characters and cut in terminal cells
(`screens.widgets.columns`) before it becomes a Segment, and never parsed as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oc_console.sanitize import clean
from oc_console.screens.widgets import columns as layout
from oc_console.screens.widgets.columns import Column

__all__ = ["Column", "Row", "RowTable"]


@dataclass(frozen=True)
class Row:
    key: str  # identifies the row across refreshes (pid, pod name, finding id...)
    cells: tuple[str, ...]
    style: str = ""  # a Rich style for the whole row, e.g. "bold red"
    sort_key: tuple[object, ...] = ()
    # the target (cluster) the row is from, when a screen lists several: two clusters' rows
    # may share a key, and an action on the row must act on its own cluster
    target: str = ""

    @property
    def ident(self) -> tuple[str, str]:
        """What identifies the row across refreshes: its key on its target."""
        return self.target, self.key


def _looks(row: Row) -> tuple[tuple[str, str], tuple[str, ...], str]:
    """What a row shows: a change in its sort key alone repaints nothing."""
    return row.ident, row.cells, row.style


HEADER_STYLE = Style(bold=True, reverse=True)
CURSOR_STYLE = Style(reverse=True)
BLANK = Style()  # Strip.blank without a style breaks Textual's NO_COLOR (monochrome) filter
MARKER = "▶"  # the selected row without colour: reverse video alone is easy to miss


class RowTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    RowTable { overflow-x: hidden; }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "page down", show=False, id="table.pagedown"),
        Binding("home,g", "jump(0)", "top", show=False, id="table.home"),
        Binding("end,G", "jump(-1)", "bottom", show=False, id="table.end"),
        Binding("enter", "select", "open", show=False, id="table.select"),
        Binding("d", "describe", "describe", id="table.describe"),
    ]

    class _RowMessage(Message):
        def __init__(self, table: RowTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> RowTable:
            return self.table

    class Selected(_RowMessage):
        """`enter` on a row."""

    class Highlighted(_RowMessage):
        """The cursor moved to another row."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty: str = "nothing to show",
        title: str = "",
        enter_describes: bool = False,
        start_at_top: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self.empty = empty
        self._title = title
        self.enter_describes = enter_describes  # no drill-down: enter shows the whole row
        # A list opens on its top (worst) row and stays there as rows arrive, until the user
        # moves: a worse finding that lands above must take the selection, not hide above it.
        self.start_at_top = start_at_top
        self._user_moved = False
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self._filter = ""
        self._sort: Callable[[Row], object] | None = None
        self._keep: frozenset[int] = frozenset()
        self.wrap = False  # long last cells take several lines
        self._starts: list[int] | None = None  # first line of each row, when wrapping
        self.cursor = 0
        self._styles: dict[str, Style] = {}
        # called with the row before enter or `d` opens it (its screen turns to its target)
        self.opening: Callable[[Row], None] | None = None

    def on_mount(self) -> None:
        self._show_title()

    # --- data ---
    @property
    def rows(self) -> list[Row]:
        """The rows shown, after filter and sort."""
        return self._rows

    def set_rows(self, rows: Sequence[Row]) -> None:
        key = self._current_ident()
        if list(rows) == self._all:
            return  # nothing changed: write nothing to the terminal
        self._all = list(rows)
        self._apply(keep=key)

    def set_filter(self, text: str) -> None:
        self._filter = text.lower()
        self._show_title()
        self._apply(keep=self._current_ident())

    @property
    def filter_text(self) -> str:
        return self._filter

    def set_title(self, title: str) -> None:
        if title == self._title:
            return  # set on every refresh by some screens: repaint nothing
        self._title = title
        self._show_title()

    @property
    def title_text(self) -> str:
        """The border title as it reads: the table's name and its active filter."""
        return self._title_rich().plain

    def _title_rich(self) -> Text:
        """The filter first: a long title is cut at the border's end, the filter never is."""
        title = Text()
        if self._filter:
            title.append("filter: ", "bold")
            title.append(clean(self._filter), "reverse")
            title.append(" (esc clears)  ", "dim")
        title.append(clean(self._title))
        return title

    def _show_title(self) -> None:
        if self._title or self._filter:
            self.border_title = self._title_rich()

    def sort_by(self, key: Callable[[Row], object] | None, *, keep: Collection[int] = ()) -> None:
        """Sort the rows by `key`; `keep` are the columns it reads, never dropped when narrow."""
        self._sort = key
        self._keep = frozenset(keep)
        self._apply(keep=self._current_ident())
        self.refresh()

    def set_wrap(self, on: bool) -> None:
        self.wrap = on
        self.styles.overflow_y = "scroll" if on else "auto"
        self._apply(keep=self._current_ident(), force=True)

    def _current_ident(self) -> tuple[str, str] | None:
        return self.current.ident if self.current else None

    def _apply(self, keep: tuple[str, str] | None, *, force: bool = False) -> None:
        rows = self._all
        if self._filter:
            rows = [r for r in rows if any(self._filter in c.lower() for c in r.cells)]
        if self._sort is not None:
            rows = sorted(rows, key=self._sort)  # type: ignore[arg-type]
        old, self._rows = self._rows, rows
        old_line = self._first_line(self.cursor)
        if self.start_at_top and not self._user_moved:
            keep = None
            self.cursor = 0
        index = next((i for i, r in enumerate(rows) if r.ident == keep), None)
        cursor = min(index if index is not None else self.cursor, max(0, len(rows) - 1))
        self._starts = self._wrap_starts(rows) if self.wrap else None
        if not force and not self.wrap and rows and len(old) == len(rows) and cursor == self.cursor:
            # Same shape: repaint only the lines that changed, not the whole table.
            for i in self._visible():
                if _looks(old[i]) != _looks(rows[i]):
                    self._refresh_row(i)
            return
        self.cursor = cursor
        self.virtual_size = Size(0, self._line_count() + 1)
        if index is not None and self._first_line(cursor) != old_line:
            # The selected row moved (lines dropped above it, or a row inserted): scroll with
            # it so the rows do not shift under the cursor.
            self.scroll_to(y=self.scroll_y + self._first_line(cursor) - old_line, animate=False)
        self.refresh()

    # --- lines: one per row, or several when wrapping ---
    def _body_width(self) -> int:
        return max(1, self._width() - self._gutter())

    def _width(self) -> int:
        """The width rows are drawn in: not under the vertical scrollbar. Wrapped rows keep
        the scrollbar's room always, so their line count does not depend on it appearing."""
        if self.wrap:
            return max(1, self.size.width - self.styles.scrollbar_size_vertical)
        return self.scrollable_content_region.width

    def _last_width(self) -> int:
        shown = self._shown(self._body_width())
        return layout.widths(self.columns, shown, self._body_width())[-1] if shown else 1

    def _wrap_starts(self, rows: Sequence[Row]) -> list[int]:
        last = self._shown(self._body_width())[-1:] or [0]
        width = self._last_width()
        starts, line = [], 0
        for row in rows:
            starts.append(line)
            cells = row.cells
            line += layout.wrapped_height(cells[last[0]] if last[0] < len(cells) else "", width)
        starts.append(line)
        return starts

    def _line_count(self) -> int:
        return self._starts[-1] if self._starts else len(self._rows)

    def _first_line(self, index: int) -> int:
        if self._starts is None:
            return index
        return self._starts[min(index, len(self._starts) - 1)] if self._starts else 0

    def _height(self, index: int) -> int:
        if self._starts is None:
            return 1
        return self._starts[index + 1] - self._starts[index]

    def _row_at(self, line: int) -> tuple[int, int]:
        """The row shown on body line `line`, and which of its lines it is."""
        if self._starts is None:
            return line, 0
        index = bisect_right(self._starts, line) - 1
        return index, line - self._starts[index]

    def _visible(self) -> range:
        top = int(self.scroll_y)
        return range(top, min(len(self._rows), top + max(0, self.size.height - 1)))

    @property
    def current(self) -> Row | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    # --- keys ---
    def action_cursor(self, delta: int) -> None:
        self._user_moved = True
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._user_moved = True
        self._move(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self._user_moved = True
        self.move_to(len(self._rows) - 1 if where < 0 else 0)

    def action_select(self) -> None:
        if self.current is None:
            return
        if self.opening is not None and not self.enter_describes:
            self.opening(self.current)
        if self.enter_describes:
            self.action_describe()
        else:
            self.post_message(self.Selected(self, self.current))

    def action_describe(self) -> None:
        """k9s's describe: every column of the selected row, in full."""
        from oc_console.screens.widgets.row_detail import RowDetail

        if self.current is not None:
            if self.opening is not None:
                self.opening(self.current)
            self.app.push_screen(RowDetail(self._title, self.columns, self.current.cells))

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (a program's move: a list still follows its top)."""
        self._move(index)

    def _move(self, index: int) -> None:
        if not self._rows:
            return
        old = self.cursor
        self.cursor = max(0, min(len(self._rows) - 1, index))
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        first, last = self._first_line(self.cursor), self._first_line(self.cursor)
        last += self._height(self.cursor) - 1
        if first < top:
            self.scroll_to(y=first, animate=False)
        elif last >= top + body:
            self.scroll_to(y=min(first, last - body + 1), animate=False)
        self._refresh_row(old)
        self._refresh_row(self.cursor)
        if old != self.cursor and self.current is not None:
            self.post_message(self.Highlighted(self, self.current))

    def _refresh_row(self, index: int) -> None:
        if not 0 <= index < len(self._rows):
            return
        y = self._first_line(index) - int(self.scroll_y) + 1
        height = self._height(index)
        if y + height > 1 and y < self.size.height:
            self.refresh(Region(0, max(1, y), self.size.width, height))

    # --- paint ---
    def _gutter(self) -> int:
        return 1 if self.app.no_color else 0

    def _shown(self, width: int) -> list[int]:
        return layout.shown_columns(self.columns, width, self._keep)

    def _style(self, spec: str) -> Style:
        if spec not in self._styles:
            self._styles[spec] = Style.parse(spec) if spec else Style()
        return self._styles[spec]

    def render_line(self, y: int) -> Strip:
        width = self._width()
        gutter = self._gutter()
        body = self._body_width()
        shown = self._shown(body)
        if y == 0:
            titles = [c.title for c in self.columns]
            text = " " * gutter + layout.line(self.columns, shown, titles, body)
            return Strip([Segment(text, HEADER_STYLE)])
        index, part = self._row_at(y - 1 + int(self.scroll_y))
        if index >= len(self._rows):
            if index == 0 and not self._rows:
                note = f"nothing matches /{self._filter}" if self._all else self.empty
                return Strip([Segment(layout.pad(note, width), Style(dim=True))])
            return Strip.blank(width, BLANK)
        row = self._rows[index]
        style = self._style(row.style)
        selected = index == self.cursor and self.has_focus
        if selected:
            style = style + CURSOR_STYLE
        mark = (MARKER if selected and part == 0 else " ") * gutter
        if part == 0 and not self.wrap:
            text = layout.line(self.columns, shown, row.cells, body)
        else:
            text = self._wrapped_line(row, shown, body, part)
        return Strip(
            [Segment(mark, style), Segment(text, style)] if gutter else [Segment(text, style)]
        )

    def _wrapped_line(self, row: Row, shown: list[int], body: int, part: int) -> str:
        """Line `part` of a wrapped row: the other cells on its first line only."""
        last = shown[-1]
        widths = layout.widths(self.columns, shown, body)
        pieces = layout.chunks(row.cells[last] if last < len(row.cells) else "", widths[-1])
        piece = pieces[part] if part < len(pieces) else ""
        if part == 0:
            cells = list(row.cells) + [""] * (len(self.columns) - len(row.cells))
            cells[last] = piece
            return layout.line(self.columns, shown, cells, body)
        indent = sum(widths[:-1]) + len(widths) - 1
        return layout.pad(" " * indent + piece, body)

    def on_resize(self) -> None:
        if self.wrap:
            self._apply(keep=self._current_ident(), force=True)

    def on_focus(self) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor)
