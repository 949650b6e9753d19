"""`enter` on a span: every attribute and event of it (or the whole text of a marker)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from oc_console.sanitize import clean
from oc_console.screens.timeline_rows import TimelineRow


def detail_text(row: TimelineRow) -> Text:
    """Built from Text pieces: backend text is cleaned and never read as markup."""
    text = Text()
    span = row.span
    if span is None:
        text.append(f"{row.time} {clean(row.service)}\n", "bold")
        text.append(f"{clean(row.name.strip())} {clean(row.status)}\n")
        text.append(clean(row.detail, newlines=True))
        return text
    text.append(f"{clean(span.service)}  {clean(span.name)}\n", "bold")
    text.append(f"trace {span.trace_id}  span {span.span_id}  parent {span.parent_span_id}\n")
    text.append(f"start {span.start.isoformat()}  duration {span.duration_ms:.3f} ms\n")
    text.append(f"status {span.status}", "red" if span.failed else "green")
    if span.status_message:
        text.append(f": {clean(span.status_message)}", "red" if span.failed else "")
    text.append("\n\nattributes\n", "bold")
    for key, value in span.attributes:
        text.append(f"  {clean(key)}", "cyan")
        text.append(f" = {clean(value)}\n")
    text.append("\nevents\n", "bold")
    for event in span.events:
        at = datetime.fromtimestamp(event.time_ns / 1e9, UTC).strftime("%H:%M:%S.%f")[:-3]
        text.append(f"  {at} {clean(event.name)}\n")
        for key, value in event.attributes:
            text.append(f"    {clean(key)} = {clean(value)}\n")
    if not span.events:
        text.append("  (none)\n", "dim")
    text.append("\nresource\n", "bold")
    for key, value in span.resource:
        text.append(f"  {clean(key)} = {clean(value)}\n")
    return text


class SpanDetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    SpanDetailScreen { align: center middle; }
    SpanDetailScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,enter,q", "dismiss", "close", id="span.close")]

    def __init__(self, row: TimelineRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(detail_text(self.row), id="span-detail")
