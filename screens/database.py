"""Database: sessions by state, idle-in-transaction sessions by age, the blocking tree, and the
statements that cost the most."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.database import PoolSnapshot
from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.target_rows import has_several, one_target_title
from oc_console.screens.widgets.database_panel import finding_style, pool_summary
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.services.screen_queries import runbook_param, session_owners

IDLE_COLUMNS = (
    Column("PID", 7, right=True),
    Column("XACT AGE", 8, right=True),
    Column("APPLICATION", 24, middle=True),
    Column("CLIENT", 15, priority=2),
    Column("USER", 12, priority=1),
    Column("QUERY", 24),
)
TREE_COLUMNS = (
    Column("PID", 14),
    Column("WAITING", 8, right=True, priority=1),
    Column("APPLICATION", 22, middle=True),
    Column("STATE", 19, priority=2),
    Column("QUERY", 24),
)
STATEMENT_COLUMNS = (
    Column("CALLS", 8, right=True),
    Column("TOTAL ms", 10, right=True),
    Column("MEAN ms", 9, right=True, priority=1),
    Column("ROWS", 8, right=True, priority=2),
    Column("QUERY", 30),
)


def idle_rows(db: PoolSnapshot) -> list[Row]:
    return [
        Row(
            key=str(s.pid),
            cells=(
                str(s.pid),
                human_duration(s.xact_age_s),
                s.application_name,
                s.client_addr or "local",
                s.user or "?",
                s.query,
            ),
        )
        for s in db.idle_in_transaction
    ]


def tree_rows(db: PoolSnapshot, root_style: str = "bold red") -> list[Row]:
    """The blocking tree; root blockers take the colour of the analysis's blocking finding."""
    waiting = {b.session.pid for b in db.blocked}
    rows = []
    for depth, s in db.blocking_tree():
        is_root = depth == 0
        rows.append(
            Row(
                key=f"{depth}:{s.pid}",
                cells=(
                    ("  " * depth) + ("└ " if depth else "") + str(s.pid),
                    human_duration(s.state_age_s) if s.pid in waiting else "",
                    s.application_name,
                    s.state or "?",
                    s.query,
                ),
                style=root_style if is_root else "",
            )
        )
    return rows


def statement_rows(db: PoolSnapshot) -> list[Row]:
    return [
        Row(
            key=str(st.queryid),
            cells=(
                str(st.calls),
                f"{st.total_ms:.1f}",
                f"{st.mean_ms:.2f}",
                str(st.rows),
                st.query,
            ),
        )
        for st in db.statements or ()
    ]


def states_line(db: PoolSnapshot, idle_style: str = "") -> Text:
    text = Text("sessions: ")
    for state, n in db.sessions_by_state:
        style = idle_style if state.startswith("idle in transaction") else ""
        text.append(f"{clean(state)} {n}", style)
        text.append("  ")
    return text


class DatabaseScreen(ConsoleScreen):
    CSS_PATH = "database.tcss"
    HELP_NAME = "Database"
    BINDINGS = [
        Binding("c", "act('cancel')", "cancel query", id="database.cancel"),
        # priority: the tables use `k` for "up"; on this screen it terminates (arrows still move)
        Binding("k", "act('terminate')", "terminate", priority=True, id="database.terminate"),
    ]

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="pool-summary")
        yield RowTable(
            IDLE_COLUMNS,
            empty="no session is idle in transaction",
            title="Idle in transaction, oldest first",
            enter_describes=True,
            id="idle",
        )
        yield RowTable(
            TREE_COLUMNS,
            empty="no session waits on a lock",
            title="Blocking tree (root blockers first)",
            enter_describes=True,
            id="blocking",
        )
        yield RowTable(
            STATEMENT_COLUMNS,
            empty="",
            title="Top statements (pg_stat_statements)",
            enter_describes=True,
            id="statements",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#idle", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        db = snap.database
        summary = pool_summary(snap, brief=True)
        view = self.console_app.fleet_view
        if has_several(view):  # a database belongs to one target: say which
            head = Text(one_target_title(view, "database"), "bold")
            summary = head.append("\n").append_text(summary)
        if db is not None:
            summary.append("\n")
            summary.append_text(states_line(db, finding_style(snap, "pool-idle-in-transaction")))
            owners = session_owners(db, snap.fleet)
            if owners:
                # "Deployment (pod)" and which clue matched: the name, the address, or both
                summary.append("\nowners: " + clean(", ".join(
                    f"{o.application_name or '(no name)'} → {o.label} {o.sessions} "
                    f"{o.matched_text}" for o in owners[:3])))  # fmt: skip
            if db.visibility_note:
                summary.append(f"\n⚠ {clean(db.visibility_note)}", "yellow")
        # PgBouncer's pools (from its exporter) beside PostgreSQL's own view: it runs out first
        for pool in (snap.metrics.pgbouncer if snap.metrics else ())[:2]:
            summary.append("\n" + clean(pool.summary), "bold red" if pool.exhausted else "")
        self.query_one("#pool-summary", QuietStatic).show_text(summary)
        if db is None:
            return
        idle = self.query_one("#idle", RowTable)
        idle.border_subtitle = f"{db.idle_in_transaction_count} sessions"
        idle.set_rows(idle_rows(db))
        root = finding_style(snap, "pool-blocking-chain")
        self.query_one("#blocking", RowTable).set_rows(tree_rows(db, root))
        statements = self.query_one("#statements", RowTable)
        statements.empty = db.statements_note or "no statements recorded yet"
        statements.set_rows(statement_rows(db))

    def action_params(self, kind: str) -> dict[str, str] | None:
        """The highlighted session, with the application_name shown for it: the engine
        refuses when the pid has meanwhile become another session."""
        snap = self.console_app.snapshot
        table = self.focused if isinstance(self.focused, RowTable) else None
        row = table.current if table is not None and table.id in ("idle", "blocking") else None
        if (
            row is None
            or snap is None
            or snap.database is None
            or kind not in ("cancel", "terminate")
        ):
            return None
        pid = int(row.key.rpartition(":")[2])
        db = snap.database
        sessions = (*db.idle_in_transaction, *db.blockers, *(b.session for b in db.blocked))
        shown = next((s for s in sessions if s.pid == pid), None)
        params = {"pid": str(pid)}
        # the name shown is re-checked before acting; one that cannot be passed as a parameter
        # (spaces, quotes) is left out, and the session's backend_start still guards the pid
        if shown is not None and shown.application_name:
            app = runbook_param("application_name", shown.application_name)
            if app is not None:
                params["application_name"] = app
        return params
