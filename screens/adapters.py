"""Adapters: one row per platform — replicas, restarts, terminations, golden signals, memory."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.adapter_rows import (
    ADAPTER_COLUMNS,
    SORTS,
    adapter_lines,
    adapter_row,
    needs_cluster,
    on_vm,
)
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.row_table import Row, RowTable


class AdaptersScreen(ConsoleScreen):
    HELP_NAME = "Adapters"
    DEFAULT_CSS = """
    #adapters { height: 1fr; border: round $primary; }
    """
    BINDINGS = [
        Binding("S", "cycle_sort", "sort", id="adapters.sort"),
        Binding("r", "act('restart')", "restart", id="adapters.restart"),
        Binding("u", "act('undo')", "rollback", id="adapters.rollback"),
        Binding("s", "act('scale')", "scale", id="adapters.scale"),
    ]

    def compose_body(self) -> ComposeResult:
        yield RowTable(ADAPTER_COLUMNS, empty="no adapter Deployments found", id="adapters")

    def on_mount(self) -> None:
        self._sort = 0
        self._several = False  # a TARGET column leads: the sorted column is one further
        super().on_mount()
        table = self.query_one("#adapters", RowTable)
        self._resort()
        self._titles()
        table.focus()

    def _sort_key(self, row: Row) -> object:
        return (row.sort_key[self._sort], row.sort_key[1])

    def _titles(self) -> None:
        table = self.query_one("#adapters", RowTable)
        what = "compose services, " if on_vm(self.console_app.snapshot) else ""
        title = f"Adapters  ({what}sorted by {SORTS[self._sort][0]}; S to change)"
        table.set_title(targets_title(self.console_app.fleet_view, title))

    def action_cycle_sort(self) -> None:
        self._sort = (self._sort + 1) % len(SORTS)
        self._resort()
        self._titles()

    def _resort(self) -> None:
        # the column sorted by is never the one dropped at 80 columns
        column = SORTS[self._sort][1] + (1 if self._several else 0)
        self.query_one("#adapters", RowTable).sort_by(self._sort_key, keep=(column,))

    def show(self, snap: ConsoleSnapshot) -> None:
        table = self.query_one("#adapters", RowTable)
        if snap.fleet is None:
            health = snap.source("kubernetes") or snap.source("docker")
            table.empty = (health.error if health else None) or "waiting for the cluster…"
        elif on_vm(snap):  # one row per compose service; rollback and scale need a cluster
            table.empty = "no adapter services found"
            self.refresh_bindings()
        listed = self.listed(snap)
        several = len(listed) > 1
        show_columns(table, with_target(ADAPTER_COLUMNS, several))
        if several != self._several:
            self._several = several
            self._resort()
        self._titles()
        lines = ((t.name, [adapter_row(a) for a in adapter_lines(t.snapshot)]) for t in listed)
        table.set_rows(merged(lines, sort=False))  # the table sorts them (S)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if needs_cluster(action, parameters, self.console_app.snapshot):
            return False  # not offered on a VM
        return super().check_action(action, parameters)

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        from oc_console.screens.adapter_detail import AdapterScreen

        self.app.push_screen(AdapterScreen(event.row.key))

    def action_params(self, kind: str) -> dict[str, str] | None:
        row = self.query_one("#adapters", RowTable).current
        if row is None or kind not in ("restart", "undo", "scale"):
            return None
        namespace, _, name = row.key.partition("/")
        return {"namespace": namespace, "deployment": name}
