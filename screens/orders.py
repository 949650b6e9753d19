"""Orders that failed or are stuck, grouped by platform and error; `enter` opens one's
timeline, so the engineer needs no ID to start."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.durations import human_duration
from oc_console.domain.orders import RecentFailures
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.target_rows import has_several, one_target_title
from oc_console.screens.widgets.row_table import Column, Row, RowTable

ORDER_COLUMNS = (
    Column("PLATFORM", 9),
    Column("COUNT", 6, right=True),
    Column("NEWEST", 7, right=True),
    Column("ORDER", 21),
    Column("ERROR", 30),
)


def failure_rows(recent: RecentFailures, now: float) -> list[Row]:
    rows = []
    for group in recent.groups:
        age = human_duration(now - group.newest.timestamp()) if group.newest else "-"
        for i, order_id in enumerate(group.order_ids):
            first = i == 0
            rows.append(
                Row(
                    key=order_id,
                    cells=(
                        group.platform if first else "",
                        str(group.count) if first else "",
                        age if first else "",
                        order_id,
                        group.error if first else "",
                    ),
                    style="yellow" if first else "",
                )
            )
    return rows


class OrdersScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #orders { height: 1fr; border: round $primary; }
    """
    BINDINGS = [Binding("p", "act('replay')", "replay", id="orders.replay")]

    def compose_body(self) -> ComposeResult:
        yield RowTable(
            ORDER_COLUMNS,
            empty="no failed or stuck orders",
            title="Orders not synced (enter: timeline)",
            id="orders",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#orders", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        table = self.query_one("#orders", RowTable)
        recent = snap.recent_orders
        what = "Orders not synced" + (f" in the last {recent.hours:g} h" if recent else "")
        table.set_title(self._title(what))
        if snap.recent_orders_error:
            table.border_subtitle = f"cannot read: {clean(snap.recent_orders_error)}"
        if recent is None:
            health = snap.source("postgres")
            table.empty = (
                "PostgreSQL is not configured"
                if health is None or not health.configured
                else f"cannot read the orders: {clean(snap.recent_orders_error or 'not read yet')}"
            )
            table.set_rows([])
            return
        table.set_rows(failure_rows(recent, snap.generated_at.timestamp()))

    def _title(self, what: str) -> str:
        """The orders are one target's database's: the title says which."""
        view = self.console_app.fleet_view
        return one_target_title(view, what) if has_several(view) else f"{what} (enter: timeline)"

    def action_params(self, kind: str) -> dict[str, str] | None:
        row = self.query_one("#orders", RowTable).current
        return {"order_id": row.key} if kind == "replay" and row is not None else None

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        self.console_app.open_order(event.row.key)
