"""A pod's log: followed live into a bounded ring, or the previous container's tail; `/`
filters by order_id, trace_id or any text; signature mismatches stand out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.kube import LogLine
from oc_console.errors import SourceError
from oc_console.services.console import LogStream
from screens.base import ConsoleScreen
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

LOG_COLUMNS = (
    Column("TIME", 12),
    Column("LEVEL", 5),
    Column("ORDER", 19),
    Column("TRACE", 10),
    Column("MESSAGE", 30),
)
POLL_SECONDS = 0.5


def log_row(index: int, line: LogLine) -> Row:
    ts = (line.ts or "")[11:23]  # the time of an ISO-8601 timestamp
    level = (line.level or "").upper()
    style = (
        "bold red" if line.signature_mismatch else "yellow" if level in ("ERROR", "WARN") else ""
    )
    return Row(
        key=str(index),
        cells=(ts, level[:5], line.order_id or "", (line.trace_id or "")[:8], line.text),
        style=style,
    )


class LogScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #log-status { height: 1; padding: 0 1; }
    #log { height: 1fr; border: round $primary; }
    """
    BINDINGS = [Binding("f", "toggle_follow", "follow on/off", id="logs.follow")]

    def __init__(self, namespace: str, pod: str, container: str, *, previous: bool) -> None:
        super().__init__()
        self.target = (namespace, pod, container)
        self.previous = previous
        self._stream: LogStream | None = None
        self._seen = -1
        self._follow = True

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="log-status")
        yield RowTable(LOG_COLUMNS, empty="no log lines yet", id="log")

    def on_mount(self) -> None:
        super().on_mount()
        namespace, pod, container = self.target
        kind = "previous container" if self.previous else "following"
        self.query_one("#log").border_title = f"{namespace}/{pod} [{container}] — {kind}"
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
        self._show_lines(lines)
        self._status(f"{len(lines)} lines of the previous container")

    def _poll(self) -> None:
        stream = self._stream
        if stream is None or stream.received == self._seen:
            return  # nothing new: repaint nothing
        self._seen = stream.received
        self._show_lines(stream.lines())
        state = stream.error or ("stream ended" if stream.ended else "following")
        paused = "" if self._follow else " (paused: f to follow)"
        self._status(f"{stream.received} lines received, {state}{paused}")

    def _show_lines(self, lines: tuple[LogLine, ...]) -> None:
        table = self.query_one("#log", RowTable)
        table.set_rows([log_row(i, line) for i, line in enumerate(lines)])
        mismatches = sum(1 for line in lines if line.signature_mismatch)
        if mismatches:
            table.border_subtitle = f"{mismatches} signature mismatch lines"
        if self._follow:
            table.call_after_refresh(table.action_jump, -1)  # once laid out: it knows its height

    def _status(self, message: str) -> None:
        from rich.text import Text

        self.query_one("#log-status", QuietStatic).show_text(Text(message))

    def action_toggle_follow(self) -> None:
        self._follow = not self._follow
        self._seen = -1  # redraw the status line now

    def on_unmount(self) -> None:
        if self._stream is not None:
            self._stream.stop(timeout=0.5)
