"""Events across the namespaces: warnings first, newest first."""

from __future__ import annotations

from textual.app import ComposeResult

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.adapter_detail import EVENT_COLUMNS, EVENTS_TITLE, event_rank, event_row
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.widgets.row_table import RowTable


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
        if snap.fleet is None:
            return
        now = snap.generated_at.timestamp()
        events = sorted(snap.fleet.events, key=event_rank)
        self.query_one("#events", RowTable).set_rows([event_row(e, now) for e in events])
