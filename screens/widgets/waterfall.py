"""The span waterfall: Textual's Line API over plain rows, so a 20,000-span trace costs what
a screenful costs. Each line is time, service, name, a bar on the timeline's axis, duration,
status and key attributes; markers (database, logs, pod events) sit on the same axis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oc_console.sanitize import fit, fit_middle
from oc_console.screens.timeline_rows import SPAN, TimelineRow

STYLES = {
    "error": Style(color="red", bold=True),
    "retry": Style(color="yellow"),
    "critical": Style(bold=True),
    "marker": Style(color="cyan"),
    "": Style(),
}
BAR_STYLE = {"error": Style(color="red"), "retry": Style(color="yellow"), "": Style(color="green")}
HEADER = Style(bold=True, reverse=True)
CURSOR = Style(reverse=True)
BLANK = Style()  # Strip.blank without a style breaks Textual's NO_COLOR (monochrome) filter


@dataclass(frozen=True)
class Layout:
    """Cells per column at one width. The columns that say why a row matters (its name and
    status) win the width; the bar keeps a few cells; attributes get what is left, and below
    100 columns the service gives way too (a span's name says where it ran)."""

    time: int
    service: int
    name: int
    duration: int
    status: int
    bar: int
    attributes: int

    @property
    def marker(self) -> int:
        """A marker's words take the name, duration and status cells."""
        return self.name + 1 + self.duration + 1 + self.status


def layout(width: int) -> Layout:
    if width >= 140:
        service, name, duration, status_max, bar_max = 18, 28, 7, 44, 40
    elif width >= 100:
        service, name, duration, status_max, bar_max = 14, 24, 6, 34, 16
    else:
        service, name, duration, status_max, bar_max = 0, 24, 6, 60, 8
    # time, the critical mark, and a space after each column shown
    fixed = 12 + 1 + name + duration + 4 + (service + 1 if service else 0)
    rest = max(0, width - fixed)
    bar = min(bar_max, max(6, rest // 4))
    status = max(0, min(status_max, rest - bar - 1))
    attributes = max(0, rest - status - bar - 2)
    if attributes < 12:  # too few cells to read one attribute: the status takes them
        status, attributes = status + attributes, 0
    return Layout(12, service, name, duration, status, bar, attributes)


class Waterfall(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Waterfall { overflow-x: hidden; }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "up", show=False, id="waterfall.up"),
        Binding("down,j", "move(1)", "down", show=False, id="waterfall.down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="waterfall.pageup"),
        Binding("pagedown", "page(1)", "page down", show=False, id="waterfall.pagedown"),
        Binding("home,g", "jump(0)", "top", show=False, id="waterfall.home"),
        Binding("end,G", "jump(-1)", "bottom", show=False, id="waterfall.end"),
        Binding("n", "next_error", "next error", id="waterfall.next_error"),
    ]

    class Moved(Message):
        def __init__(self, row: TimelineRow | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[TimelineRow] = []
        self.cursor = 0
        self._t0 = 0
        self._span = 1

    def set_rows(self, rows: Sequence[TimelineRow], cursor: int | None = None) -> None:
        """New rows; the cursor goes to `cursor`, else stays on the row it was on."""
        if cursor is None and self.current is not None:
            key = self.current.key
            cursor = next((i for i, r in enumerate(rows) if r.key == key), None)
        self.rows = list(rows)
        # the axis is the spans' time when there are spans: a database row written two hours
        # earlier would squeeze the whole trace into one cell; such markers sit at its edge
        on_axis = [r for r in rows if r.kind == SPAN] or list(rows)
        if on_axis:
            self._t0 = min(r.start_ns for r in on_axis)
            self._span = max(1, max(r.end_ns for r in on_axis) - self._t0)
        self.virtual_size = Size(0, len(self.rows) + 1)
        if cursor is not None:
            self.cursor = cursor
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        self.refresh()
        self.call_after_refresh(self._reveal)
        self.post_message(self.Moved(self.current))

    @property
    def current(self) -> TimelineRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # --- keys ---
    def action_move(self, delta: int) -> None:
        self.go(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.go(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self.go(len(self.rows) - 1 if where < 0 else 0)

    def action_next_error(self) -> None:
        n = len(self.rows)
        for step in range(1, n):
            i = (self.cursor + step) % n
            if self.rows[i].style == "error":
                self.go(i)
                return

    def go(self, index: int) -> None:
        if not self.rows:
            return
        old, self.cursor = self.cursor, max(0, min(len(self.rows) - 1, index))
        if not self._reveal():
            self._refresh_line(old)
            self._refresh_line(self.cursor)
        if old != self.cursor:
            self.post_message(self.Moved(self.current))

    def _reveal(self) -> bool:
        """Scroll so the cursor is on screen; True when that scrolled (all is repainted)."""
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True)
        else:
            return False
        return True

    def _refresh_line(self, index: int) -> None:
        y = index - int(self.scroll_y) + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # --- paint ---
    def _bar(self, row: TimelineRow, width: int) -> str:
        if width <= 0:
            return ""
        start = int((row.start_ns - self._t0) / self._span * width)
        if row.kind != SPAN:
            mark = "◂" if start < 0 else "▸" if start >= width else "◆"
            start = max(0, min(width - 1, start))
            return " " * start + mark + " " * (width - start - 1)
        start = max(0, min(width - 1, start))
        length = max(1, int((row.end_ns - row.start_ns) / self._span * width))
        length = min(length, width - start)
        return " " * start + "█" * length + " " * (width - start - length)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cols = layout(width)
        if y == 0:
            return Strip([Segment(fit(_header(cols), width), HEADER)])
        index = y - 1 + int(self.scroll_y)
        if index >= len(self.rows):
            if index == 0:
                return Strip([Segment(fit("waiting for the sources…", width), Style(dim=True))])
            return Strip.blank(width, BLANK)
        row = self.rows[index]
        head = f"{fit(row.time, cols.time)} {'*' if row.critical else ' '} "
        if cols.service:
            head += fit_middle(row.service, cols.service).ljust(cols.service) + " "
        if row.kind == SPAN:
            head += f"{fit(row.what, cols.name)} {fit(row.duration, cols.duration, right=True)} "
            head += fit(row.why, cols.status) + " "
        else:
            head += fit(row.what, cols.marker) + " "
        style = STYLES.get(row.style, STYLES[""])
        bar_style = BAR_STYLE.get(row.style, BAR_STYLE[""])
        if index == self.cursor and self.has_focus:
            style, bar_style = style + CURSOR, bar_style + CURSOR
        segments = [Segment(head, style), Segment(self._bar(row, cols.bar), bar_style)]
        if cols.attributes:
            segments.append(Segment(" " + fit(row.attributes, cols.attributes), style))
        return Strip(segments).crop(0, width).extend_cell_length(width, BLANK)

    def on_focus(self) -> None:
        self._refresh_line(self.cursor)

    def on_blur(self) -> None:
        self._refresh_line(self.cursor)


def _header(cols: Layout) -> str:
    text = f"{fit('TIME', cols.time)} * "
    if cols.service:
        text += fit("SERVICE", cols.service) + " "
    text += f"{fit('NAME', cols.name)} {fit('DUR', cols.duration, right=True)} "
    text += f"{fit('STATUS', cols.status)} {fit('TIMELINE', cols.bar)}"
    return text + (" " + fit("ATTRIBUTES", cols.attributes) if cols.attributes else "")
