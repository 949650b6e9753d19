"""`d` (or `enter` where a row opens nothing else): the selected row in full, one column per
line and wrapped, the k9s describe habit. Columns cut at 80 columns are readable here."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from oc_console.sanitize import clean
from oc_console.screens.widgets.columns import Column


def describe(columns: Sequence[Column], cells: Sequence[str]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for i, column in enumerate(columns):
        value = cells[i] if i < len(cells) else ""
        table.add_row(column.title or "-", Text(clean(value, newlines=True)))
    return table


class RowDetail(ModalScreen[None]):
    DEFAULT_CSS = """
    RowDetail { align: center middle; }
    RowDetail > VerticalScroll {
        width: 90%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,enter,d,q", "close", "close", id="detail.close")]

    def __init__(self, title: str, columns: Sequence[Column], cells: Sequence[str]) -> None:
        super().__init__()
        self.heading = title
        self.columns = tuple(columns)
        self.cells = tuple(cells)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(clean(self.heading or "row"))
            box.border_subtitle = "esc close"
            yield Static(describe(self.columns, self.cells))

    def action_close(self) -> None:
        self.dismiss(None)
