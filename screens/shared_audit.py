"""`A`: the shared audit, every engineer's actions, notes and lookups, newest first (what
`oc-console audit --shared` prints). Read in a worker when the screen opens and on `ctrl+r`;
with no shared audit configured, or one that cannot be read, the table says so and how."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.incident import AuditEntry
from oc_console.errors import UserError
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.widgets.columns import Column
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Row, RowTable

AUDIT_COLUMNS = (
    Column("AT", 8),
    Column("WHO", 16, middle=True),
    Column("ACTION", 12),
    Column("TARGET", 22, middle=True),
    Column("PHASE", 8),
    Column("OUTCOME", 8, priority=2),
    Column("DETAIL", 20),
)
TITLE = "Shared audit  (every engineer, newest first; enter: the whole row)"
_STYLE = {"failed": "bold red", "refused": "yellow", "interrupted": "bold red"}


def entry_row(e: AuditEntry, index: int) -> Row:
    at = e.at.astimezone().strftime("%H:%M:%S") if e.at else "?"
    style = "bold" if e.phase == "note" else _STYLE.get(e.outcome, "")
    return Row(
        key=e.record_id or str(index),
        cells=(at, e.who, e.action, e.target, e.phase, e.outcome, e.detail),
        style=style,
    )


class SharedAuditScreen(ConsoleScreen):
    HELP_NAME = "Shared audit"
    DEFAULT_CSS = """
    #shared-audit { height: 1fr; border: round $primary; }
    #shared-audit-why { padding: 0 1; display: none; }
    """
    BINDINGS = [Binding("ctrl+r", "reload", "read again", show=False, id="shared_audit.reload")]

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="shared-audit-why")  # why there is nothing to list, wrapped
        yield RowTable(
            AUDIT_COLUMNS, empty="reading the shared audit…", title=TITLE,
            enter_describes=True, id="shared-audit",
        )  # fmt: skip

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#shared-audit", RowTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.run_worker(self._read(), group="shared-audit", exclusive=True, exit_on_error=False)

    async def _read(self) -> None:
        table = self.query_one("#shared-audit", RowTable)
        why = self.query_one("#shared-audit-why", QuietStatic)
        try:
            entries = await self.console_app.service.shared_audit()
        except UserError as exc:  # no DSN: how to configure one; unreadable: why, one line
            why.show_text(Text(str(exc), "yellow"))
            why.display = True
            table.empty = "no shared audit to list"
            table.set_rows([])
            table.refresh()
            return
        why.display = False
        table.empty = "no records in the shared audit in the last 24 hours"
        table.set_rows([entry_row(e, i) for i, e in enumerate(entries)])
        table.refresh()
