"""Alerts: everything Alertmanager holds, firing first (worst, then longest), then silenced and
inhibited ones, each with the finding that explains it; and the silences, so `x` can silence
the highlighted alert and `X` expire the silence that holds it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.alerts import AlertMatch, Silence
from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.actions import perform_built
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.confirm import ValuePrompt
from oc_console.screens.format import minutes
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable

ALERT_COLUMNS = (
    Column("SEV", 5),
    Column("ALERT", 22),
    # a pod's name, cut in the middle: three pods of one Deployment differ in their suffix
    Column("WHERE", 20, middle=True),
    Column("FOR", 7, right=True),
    Column("STATE", 10),
    # at 80 columns it gives way to WHERE: a pod told apart matters more than the rule's id
    Column("EXPLAINED BY", 12),
)
SILENCE_COLUMNS = (
    Column("ENDS IN", 8, right=True),
    Column("MATCHERS", 30),
    Column("BY", 12),
    Column("COMMENT", 20),
)


def alert_row(m: AlertMatch, now: datetime) -> Row:
    a = m.alert
    state = "firing" if a.firing else ("silenced" if a.silenced_by else a.state)
    explained = f"{m.finding.id} {m.finding.subject}" if m.finding else "unexplained"
    if m.finding is None and m.cleared_at is not None:  # the fix worked; the page lags
        ago = human_duration((now - m.cleared_at).total_seconds())
        explained = f"resolving (finding cleared {ago} ago)"
    style = ""
    if a.firing:
        style = "bold red" if a.rank[0] == 0 else "yellow"
    elif not a.firing:
        style = "dim"
    return Row(
        key=a.fingerprint,
        cells=(
            a.severity.upper()[:4],
            a.alertname,
            m.alert.where,
            minutes((now - a.starts_at).total_seconds()),
            state,
            explained,
        ),
        style=style,
        sort_key=(not a.firing, *a.rank),
    )


SILENCE_ORDER = {"active": 0, "pending": 1, "expired": 2}


def silence_row(s: Silence, now: datetime) -> Row:
    left = (s.ends_at - now).total_seconds()
    return Row(
        key=s.id,
        cells=(
            minutes(left) if s.state != "expired" else "expired",
            ", ".join(str(m) for m in s.matchers),
            s.created_by,
            s.comment,
        ),
        style="dim" if s.state == "expired" else "",
        sort_key=(SILENCE_ORDER.get(s.state, 3), s.ends_at),
    )


def target_alert_rows(snap: ConsoleSnapshot) -> list[Row]:
    """Firing first (worst, then longest), then silenced and inhibited ones."""
    now = snap.generated_at
    pages = sorted(snap.pages, key=lambda m: (not m.alert.firing, m.alert.rank))
    return [alert_row(m, now) for m in pages]


def target_silence_rows(snap: ConsoleSnapshot) -> list[Row]:
    silences = snap.alerts.silences if snap.alerts else ()
    return sorted((silence_row(s, snap.generated_at) for s in silences), key=lambda r: r.sort_key)


def alert_detail(m: AlertMatch | None) -> Text:
    if m is None:
        return Text("No alert selected.")
    a = m.alert
    text = Text()
    text.append(clean(a.alertname), "bold")
    if a.summary:
        text.append(f": {clean(a.summary)}")
    text.append("\n" + clean(", ".join(f"{k}={v}" for k, v in a.labels)), "dim")
    if m.finding is not None:
        text.append("\nexplained by: ", "bold")
        text.append(clean(m.finding.summary))
        if m.finding.runbook:
            text.append(f" (runbook {m.finding.runbook})", "dim")
    elif m.cleared_at is not None:
        text.append("\nresolving: ", "bold green")
        text.append("the finding that explained it cleared; Alertmanager has not caught up yet.")
    else:
        text.append("\nunexplained: ", "bold yellow")
        text.append("no finding the console makes explains it; look where it cannot see.")
    return text


async def silence_alert(screen: ConsoleScreen, m: AlertMatch) -> None:
    """`x`: matchers from the alert's labels (editable), 2 h, a comment that says why."""
    # the action engine is imported on the first action, off the first frame's path
    from oc_console.services.engine_types import ActionStop
    from oc_console.services.screen_queries import draft_silence, proposed_silence

    app = screen.console_app
    proposed = proposed_silence(m.alert.labels)
    matchers = await app.push_screen_wait(ValuePrompt("silence alerts matching:", proposed))
    if not matchers:
        return
    duration = await app.push_screen_wait(ValuePrompt("for how long (2h, 90m, 1d):", "2h"))
    if not duration:
        return
    comment = await app.push_screen_wait(ValuePrompt("why (required):", ""))
    if not comment:
        screen.notify("a silence needs a comment; nothing done", severity="warning")
        return
    alerts = app.snapshot.alerts if app.snapshot else None
    try:
        draft = draft_silence(matchers, duration, comment, alerts.alerts if alerts else ())
    except ActionStop as exc:
        screen.notify(clean(str(exc)), severity="warning")
        return
    action, why = draft.action, draft.hides_all
    if why is not None:
        # a silence of every page is sometimes right (a planned outage), never by accident:
        # esc drops it; anything but the word itself leaves it to the engine, which refuses
        # and audits the refusal
        question = f"this silence {why}: it hides every page. Type all to silence everything:"
        typed = await app.push_screen_wait(ValuePrompt(question, ""))
        if typed is None:
            return
        if typed == "all":
            action.allow_all()
    await perform_built(screen, action)


ALERTS_TITLE = "Alerts (firing first)"


class AlertsScreen(ConsoleScreen):
    BINDINGS = [
        Binding("x", "silence", "silence", id="alerts.silence"),
        Binding("X", "expire_silence", "expire silence", id="alerts.expire"),
    ]
    DEFAULT_CSS = """
    #alerts { height: 2fr; border: round $primary; }
    #alert-detail { height: auto; max-height: 5; padding: 0 1; }
    #silences { height: 1fr; border: round $primary; }
    """

    def compose_body(self) -> ComposeResult:
        yield RowTable(
            ALERT_COLUMNS, empty="Alertmanager holds no alerts", title=ALERTS_TITLE, id="alerts"
        )
        yield QuietStatic(id="alert-detail")
        yield RowTable(SILENCE_COLUMNS, empty="no silences", title="Silences", id="silences")

    def on_mount(self) -> None:
        self._snaps: dict[str, ConsoleSnapshot] = {}  # each listed target's, by name
        super().on_mount()
        self.query_one("#alerts", RowTable).focus()

    def selected(self) -> AlertMatch | None:
        """The highlighted alert, as its own target read it."""
        row = self.query_one("#alerts", RowTable).current
        snap = self._snaps.get(row.target) if row else self.console_app.snapshot
        if snap is None or row is None:
            return None
        return next((m for m in snap.pages if m.alert.fingerprint == row.key), None)

    def show(self, snap: ConsoleSnapshot) -> None:
        listed = self.listed(snap)
        self._snaps = {t.name: t.snapshot for t in listed}
        several = len(listed) > 1
        view = self.console_app.fleet_view
        table = self.query_one("#alerts", RowTable)
        table.set_title(targets_title(view, ALERTS_TITLE))
        # EXPLAINED BY is in the detail below the table too
        show_columns(table, with_target(ALERT_COLUMNS, several, give_way=(5,)))
        health = snap.source("alertmanager")
        if snap.alerts is None:
            table.empty = (
                "Alertmanager is not configured (--alertmanager URL)"
                if health is None or not health.configured
                else f"cannot read Alertmanager: {clean(health.error or health.status)}"
            )
        table.set_rows(merged((t.name, target_alert_rows(t.snapshot)) for t in listed))
        silences = self.query_one("#silences", RowTable)
        show_columns(silences, with_target(SILENCE_COLUMNS, several))
        silences.set_rows(merged((t.name, target_silence_rows(t.snapshot)) for t in listed))
        self.query_one("#alert-detail", QuietStatic).show_text(alert_detail(self.selected()))

    def action_silence(self) -> None:
        m = self.selected()
        row = self.query_one("#alerts", RowTable).current
        if m is None or row is None:
            self.notify("select an alert to silence first", severity="warning")
            return
        self.focus_row_target(row)  # the silence goes to the Alertmanager that paged
        self.run_worker(silence_alert(self, m), group="action", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    def action_expire_silence(self) -> None:
        """The silence highlighted in the Silences table, else the one holding the alert."""
        from oc_console.services.screen_queries import expire_silence

        silences = self.query_one("#silences", RowTable)
        row = silences.current if self.focused is silences else None
        m = self.selected()
        silence_id = row.key if row else (m.alert.silenced_by[0] if m and m.alert.silenced_by
                                          else None)  # fmt: skip
        if silence_id is None:
            self.notify("select a silence (tab) or a silenced alert first", severity="warning")
            return
        held = row or self.query_one("#alerts", RowTable).current
        if held is not None:
            self.focus_row_target(held)  # expired on the Alertmanager that holds it
        self.run_worker(perform_built(self, expire_silence(silence_id)), group="action",
                        exclusive=True, exit_on_error=False)  # fmt: skip

    def on_row_table_highlighted(self, event: RowTable.Highlighted) -> None:
        if event.table.id == "alerts":
            self.query_one("#alert-detail", QuietStatic).show_text(alert_detail(self.selected()))
