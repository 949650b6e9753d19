"""A pod's log: followed live into a bounded ring, or the previous container's tail; `/`
filters by order_id, trace_id or any text; signature mismatches stand out; `w` wraps long
lines and the selected line's whole message shows under the table. Opened from a timeline's
span, it stands at the span's time, paused there."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.kube import LogLine
from oc_console.errors import SourceError
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.services.console import LogStream

LOG_COLUMNS = (
    Column("TIME", 12, priority=2),
    Column("LEVEL", 5),
    Column("ORDER", 19, priority=1),
    Column("TRACE", 8, priority=3),
    Column("MESSAGE", 30),
)
POLL_SECONDS = 0.5


def log_row(seq: int, line: LogLine) -> Row:
    """A log line keyed by its sequence number in the stream, not its place in the ring: as
    the ring drops old lines, the rows under a paused cursor stay where they are."""
    ts = (line.ts or "")[11:23]  # the time of an ISO-8601 timestamp
    level = (line.level or "").upper()
    style = (
        "bold red" if line.signature_mismatch else "yellow" if level in ("ERROR", "WARN") else ""
    )
    return Row(
        key=str(seq),
        cells=(ts, level[:5], line.order_id or "", (line.trace_id or "")[:8], line.text),
        style=style,
    )


def _at(line: LogLine) -> datetime | None:
    try:
        return datetime.fromisoformat(line.ts.replace("Z", "+00:00")) if line.ts else None
    except ValueError:
        return None


def place(lines: tuple[LogLine, ...], around: datetime) -> tuple[int, str]:
    """The first line at or after `around`, and a note when the log no longer reaches back
    that far (the kubelet keeps a tail) or has nothing since."""
    clock = around.strftime("%H:%M:%S")
    for i, line in enumerate(lines):
        at = _at(line)
        if at is not None and at >= around:
            if i == 0:
                return 0, f"; the log's oldest line is after {clock}: earlier lines are gone"
            return i, f"; at {clock}"
    return max(0, len(lines) - 1), f"; no line since {clock}"


def numbered(stream: LogStream) -> tuple[int, tuple[LogLine, ...]]:
    """The ring's lines and the sequence number of its first, read consistently: the reader
    thread may append between the two reads, so read until `received` holds still."""
    while True:
        before = stream.received
        lines = stream.lines()
        if stream.received == before:
            return before - len(lines), lines


class LogScreen(ConsoleScreen):
    HELP_NAME = "Logs"
    DEFAULT_CSS = """
    #log-status { height: 1; padding: 0 1; }
    #log { height: 1fr; border: round $primary; }
    #log-line { height: auto; max-height: 6; padding: 0 1; border-top: solid $secondary; }
    """
    BINDINGS = [
        Binding("f", "toggle_follow", "follow on/off", id="logs.follow"),
        Binding("w", "toggle_wrap", "wrap", id="logs.wrap"),
    ]

    def __init__(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        previous: bool,
        around: datetime | None = None,
    ) -> None:
        super().__init__()
        self.target = (namespace, pod, container)
        self.previous = previous
        self._stream: LogStream | None = None
        self._seen = -1
        # at a time (a span's start): the cursor goes there once and stays, not following
        self.around = around
        self._follow = around is None
        self._note = ""

    def compose_body(self) -> ComposeResult:
        _, pod, container = self.target
        kind = "previous container" if self.previous else "following"
        yield QuietStatic(id="log-status")
        yield RowTable(
            LOG_COLUMNS,
            empty="no log lines yet",
            title=f"{pod} [{container}] — {kind}",
            enter_describes=True,
            start_at_top=False,
            id="log",
        )
        yield QuietStatic(id="log-line")

    def on_mount(self) -> None:
        super().on_mount()
        namespace, pod, container = self.target
        self.query_one("#log", RowTable).focus()
        if self.previous:
            self.run_worker(self._load_previous(), exclusive=True)
            return
        try:
            self._stream = self.console_app.service.follow_logs(namespace, pod, container)
        except SourceError as exc:
            self._status(str(exc))
            return
        self.set_interval(POLL_SECONDS, self._poll)

    async def _load_previous(self) -> None:
        namespace, pod, container = self.target
        try:
            lines = await self.console_app.service.log_tail(
                namespace, pod, container, previous=True
            )
        except SourceError as exc:
            self._status(str(exc))
            return
        self._show_lines(0, lines)
        self._status(f"{len(lines)} lines of the previous container")

    def _poll(self) -> None:
        stream = self._stream
        if stream is None or stream.received == self._seen:
            return  # nothing new: repaint nothing
        first, lines = numbered(stream)
        self._seen = first + len(lines)
        self._show_lines(first, lines)
        state = stream.error or ("stream ended" if stream.ended else "following")
        paused = "" if self._follow else " (paused: f to follow)"
        self._status(f"{self._seen} lines received, {state}{paused}{self._note}")

    def _show_lines(self, first: int, lines: tuple[LogLine, ...]) -> None:
        table = self.query_one("#log", RowTable)
        table.set_rows([log_row(first + i, line) for i, line in enumerate(lines)])
        mismatches = sum(1 for line in lines if line.signature_mismatch)
        if mismatches:
            table.border_subtitle = f"{mismatches} signature mismatch lines"
        if self.around is not None and lines:
            index, self._note = place(lines, self.around)
            self.around = None  # once: then the person moves
            table.call_after_refresh(lambda: table.move_to(index))
        elif self._follow:
            # once laid out: it knows its height
            table.call_after_refresh(lambda: table.move_to(len(table.rows) - 1))
        self._show_selected()

    def _show_selected(self) -> None:
        """The selected line's whole message, wrapped, under the table."""
        row = self.query_one("#log", RowTable).current
        text = Text()
        if row is not None:
            text.append(f"{clean(row.cells[0])} {clean(row.cells[1])} ", "bold")
            text.append(clean(row.cells[4]))
        self.query_one("#log-line", QuietStatic).show_text(text)

    def on_row_table_highlighted(self, event: RowTable.Highlighted) -> None:
        self._show_selected()

    def _status(self, message: str) -> None:
        self.query_one("#log-status", QuietStatic).show_text(Text(clean(message)))

    def action_toggle_follow(self) -> None:
        self._follow = not self._follow
        self._seen = -1  # redraw the status line now

    def action_toggle_wrap(self) -> None:
        table = self.query_one("#log", RowTable)
        table.set_wrap(not table.wrap)

    def on_unmount(self) -> None:
        if self._stream is not None:
            self._stream.stop(timeout=0.5)
