"""A table that renders only the rows on screen (Textual's Line API over plain tuples).

DataTable builds every row and repaints its whole region on a change; this one costs the same
to paint for 100 or 100,000 rows, and a changed row repaints one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # minimum width; the last column takes the rest
    right: bool = False


@dataclass(frozen=True)
class Row:
    key: str  # identifies the row across refreshes (pid, pod name, finding id...)
    cells: tuple[str, ...]
    style: str = ""  # a Rich style for the whole row, e.g. "bold red"
    sort_key: tuple[object, ...] = ()


def _looks(row: Row) -> tuple[str, tuple[str, ...], str]:
    """What a row shows: a change in its sort key alone repaints nothing."""
    return row.key, row.cells, row.style


HEADER_STYLE = Style(bold=True, reverse=True)
CURSOR_STYLE = Style(reverse=True)


def _fit(text: str, width: int, right: bool) -> str:
    text = text.replace("\n", " ")
    if len(text) > width:
        return text[: max(0, width - 1)] + "…" if width > 1 else text[:width]
    return text.rjust(width) if right else text.ljust(width)


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
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self.empty = empty
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self._filter = ""
        self._sort: Callable[[Row], object] | None = None
        self.cursor = 0
        self._styles: dict[str, Style] = {}

    # --- data ---
    @property
    def rows(self) -> list[Row]:
        """The rows shown, after filter and sort."""
        return self._rows

    def set_rows(self, rows: Sequence[Row]) -> None:
        key = self.current.key if self.current else None
        if list(rows) == self._all:
            return  # nothing changed: write nothing to the terminal
        self._all = list(rows)
        self._apply(keep=key)

    def set_filter(self, text: str) -> None:
        self._filter = text.lower()
        self._apply(keep=self.current.key if self.current else None)

    @property
    def filter_text(self) -> str:
        return self._filter

    def sort_by(self, key: Callable[[Row], object] | None) -> None:
        self._sort = key
        self._apply(keep=self.current.key if self.current else None)

    def _apply(self, keep: str | None) -> None:
        rows = self._all
        if self._filter:
            rows = [r for r in rows if any(self._filter in c.lower() for c in r.cells)]
        if self._sort is not None:
            rows = sorted(rows, key=self._sort)  # type: ignore[arg-type]
        old, self._rows = self._rows, rows
        index = next((i for i, r in enumerate(rows) if r.key == keep), None)
        cursor = min(index if index is not None else self.cursor, max(0, len(rows) - 1))
        if rows and len(old) == len(rows) and cursor == self.cursor:
            # Same shape: repaint only the lines that changed, not the whole table.
            for i in self._visible():
                if _looks(old[i]) != _looks(rows[i]):
                    self._refresh_row(i)
            return
        self.cursor = cursor
        # No horizontal scrolling: the last column takes what is left and is cut there.
        self.virtual_size = Size(0, len(rows) + 1)
        self.refresh()

    def _visible(self) -> range:
        top = int(self.scroll_y)
        return range(top, min(len(self._rows), top + max(0, self.size.height - 1)))

    @property
    def current(self) -> Row | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    # --- keys ---
    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self._move(len(self._rows) - 1 if where < 0 else 0)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def _move(self, index: int) -> None:
        if not self._rows:
            return
        old = self.cursor
        self.cursor = max(0, min(len(self._rows) - 1, index))
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)
        self._refresh_row(old)
        self._refresh_row(self.cursor)
        if old != self.cursor and self.current is not None:
            self.post_message(self.Highlighted(self, self.current))

    def _refresh_row(self, index: int) -> None:
        from textual.geometry import Region

        y = index - int(self.scroll_y) + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # --- paint ---
    def _style(self, spec: str) -> Style:
        if spec not in self._styles:
            self._styles[spec] = Style.parse(spec) if spec else Style()
        return self._styles[spec]

    def _line(self, cells: Sequence[str], width: int) -> str:
        parts = []
        used = 0
        for i, col in enumerate(self.columns):
            # the last column takes what is left, unless it is a right-aligned number
            last = i == len(self.columns) - 1 and not col.right
            w = max(col.width, width - used) if last else col.width
            parts.append(_fit(cells[i] if i < len(cells) else "", w, col.right))
            used += w + 1
        return " ".join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            text = self._line([c.title for c in self.columns], width)
            return Strip([Segment(text, HEADER_STYLE)]).crop(scroll_x, scroll_x + self.size.width)
        index = y - 1 + scroll_y
        if index >= len(self._rows):
            if index == 0 and not self._rows:
                note = f"nothing matches /{self._filter}" if self._all else self.empty
                return Strip([Segment(note.ljust(self.size.width), Style(dim=True))])
            return Strip.blank(self.size.width)
        row = self._rows[index]
        style = self._style(row.style)
        if index == self.cursor and self.has_focus:
            style = style + CURSOR_STYLE
        strip = Strip([Segment(self._line(row.cells, width), style)])
        return strip.crop(scroll_x, scroll_x + self.size.width)

    def on_focus(self) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor)
