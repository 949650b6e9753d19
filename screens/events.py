"""Events across the namespaces: warnings first, newest first; with several targets, every
target's (the pinned one's only), each row naming its target."""

from __future__ import annotations

from textual.app import ComposeResult

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.adapter_detail import EVENT_COLUMNS, EVENTS_TITLE, event_rank, event_row
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.row_table import Row, RowTable


def event_rows(snap: ConsoleSnapshot) -> list[Row]:
    if snap.fleet is None:
        return []
    now = snap.generated_at.timestamp()
    return [event_row(e, now) for e in sorted(snap.fleet.events, key=event_rank)]


class EventsScreen(ConsoleScreen):
    HELP_NAME = "Events"
    DEFAULT_CSS = """
    #events { height: 1fr; border: round $primary; }
    """

    def compose_body(self) -> ComposeResult:
        yield RowTable(
            EVENT_COLUMNS, empty="no events", title=EVENTS_TITLE, enter_describes=True, id="events"
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#events", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        listed = self.listed(snap)
        if all(t.snapshot.fleet is None for t in listed):
            return
        table = self.query_one("#events", RowTable)
        table.set_title(targets_title(self.console_app.fleet_view, EVENTS_TITLE))
        show_columns(table, with_target(EVENT_COLUMNS, len(listed) > 1))
        table.set_rows(merged((t.name, event_rows(t.snapshot)) for t in listed))
