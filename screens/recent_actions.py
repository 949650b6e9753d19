""":actions — the actions running now and the recent ones, whichever screen started them, with
the engine's words (what the audit's end record says). `enter` shows a whole row; the audit
file (`oc-console audit`) has every action ever run."""

from __future__ import annotations

import time
from datetime import datetime

from textual.app import ComposeResult

from oc_console.domain.durations import human_duration
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.widgets.columns import Column
from oc_console.screens.widgets.row_table import Row, RowTable
from oc_console.services.action_service import ActionRun

ACTION_COLUMNS = (
    Column("STARTED", 8),
    Column("ACTION", 9),
    Column("TARGET", 16, middle=True),
    Column("STATUS", 11),
    Column("TOOK", 6, right=True, priority=2),
    Column("WHAT THE ENGINE SAID", 20),
)
_STYLE = {"running": "bold cyan", "done": "", "declined": "dim", "refused": "yellow"}


def started_label(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def action_row(run: ActionRun, now: float) -> Row:
    local = started_label(run.started_at)
    took = human_duration(run.elapsed(now)) if run.elapsed(now) >= 1 else "<1s"
    what = run.progress if run.running else run.message
    return Row(
        key=str(run.id),
        cells=(local, run.kind, run.target, run.outcome, took, what),
        style=_STYLE.get(run.outcome, "bold red"),
    )


class RecentActionsScreen(ConsoleScreen):
    HELP_NAME = "Actions"
    DEFAULT_CSS = """
    #recent-actions { height: 1fr; border: round $primary; }
    """

    def compose_body(self) -> ComposeResult:
        yield RowTable(
            ACTION_COLUMNS,
            empty="no action run since the console started (oc-console audit has the rest)",
            title="Actions  (running first, then the newest)",
            enter_describes=True,
            id="recent-actions",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#recent-actions", RowTable).focus()

    def _on_actions(self, generation: int) -> None:
        super()._on_actions(generation)
        now = time.monotonic()
        rows = [action_row(r, now) for r in self.console_app.service.actions.all()]
        self.query_one("#recent-actions", RowTable).set_rows(rows)
