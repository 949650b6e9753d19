"""Overview: what is wrong across the fleet, worst first, and why; then adapters, the database
pool and the certificates closest to expiry at a glance."""

from __future__ import annotations

import textwrap
from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll

from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import FleetView
from oc_console.sanitize import clean
from oc_console.screens.adapter_rows import COMPACT_COLUMNS, adapter_lines, compact_row
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.certificates import cert_rows
from oc_console.screens.format import SEVERITY_STYLE, SEVERITY_TAG
from oc_console.screens.overview_rows import (
    POLICY_KEY,
    finding_rows,
    fleet_strip,
    not_yet,
    policy_summary,
    row_findings,
    silent_sources,
)
from oc_console.screens.target_rows import has_several
from oc_console.screens.widgets.database_panel import DatabasePanel
from oc_console.screens.widgets.pages_strip import PagesStrip
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.screens.widgets.source_bar import team_part
from oc_console.screens.widgets.targets_strip import TargetsStrip

FINDING_COLUMNS = (
    Column("SEV", 4),
    Column("SUBJECT", 24, middle=True),
    Column("SUMMARY", 30),
)
CERT_COLUMNS = (
    Column("SEV", 4),
    Column("CERTIFICATE", 23, middle=True),
    Column("EXPIRES", 8, right=True),
)
FINDINGS_TITLE = "Findings (enter: open)"
READING_WHY = "No findings yet: still reading"
SHORT_HEIGHT = 34  # below this many rows the fleet panels fold into a two-line strip

# where `enter` on a finding leads, by the subject it is about
DRILL = {"postgres": "database"}


def _hanging(line: str, width: int) -> list[str]:
    """An evidence line as a bullet whose wrapped lines start under its text, not under the
    bullet: a quoted log tail stays readable as lines."""
    indent = len(line) - len(line.lstrip(" "))
    lead = f"  {' ' * indent}• "
    body = clean(line.lstrip(" "))
    if width <= len(lead) + 10:
        return [lead + body]
    parts = textwrap.wrap(
        body, width - len(lead), break_long_words=True, break_on_hyphens=False
    ) or [""]
    return [lead + parts[0], *(" " * len(lead) + part for part in parts[1:])]


def _policy_detail(hygiene: list[Finding], width: int) -> Text:
    text = Text(f"{policy_summary(hygiene)}\n", "bold")
    text.append("Policy, no harm today: enter lists them.\n", "dim")
    for f in hygiene:
        text.append("\n".join(_hanging(f"{f.subject}: {f.summary}", width)) + "\n")
    return text


def finding_detail(finding: Finding | list[Finding] | None, width: int = 0) -> Text:
    """The selected finding in full: its sentence, every line of evidence (a crash loop's
    previous log tail among them) wrapped rather than cut, and its runbook. `width` is the
    panel's, for the evidence's hanging indent (0: let the panel wrap)."""
    if finding is None:
        return Text("No findings: nothing the console checks is wrong.", "green")
    if isinstance(finding, list):
        return _policy_detail(finding, width)
    text = Text()
    if finding.pages:
        text.append(f"pages: {clean(', '.join(finding.pages))}\n", "bold reverse")
    text.append(f"{SEVERITY_TAG[finding.severity]} ", SEVERITY_STYLE[finding.severity])
    text.append(clean(finding.subject), "bold")
    text.append(f"\n{clean(finding.summary)}\n", SEVERITY_STYLE[finding.severity])
    for line in finding.evidence:
        text.append("\n".join(_hanging(line, width)) + "\n")
    if finding.runbook:
        text.append(f"runbook: {clean(finding.runbook)}", "bold")
    return text


class OverviewScreen(ConsoleScreen):
    CSS_PATH = "overview.tcss"
    HELP_NAME = "Overview"
    BINDINGS = [Binding("b", "runbook", "runbook", id="overview.runbook")]

    def compose_body(self) -> ComposeResult:
        yield TargetsStrip(id="targets")
        yield PagesStrip(id="pages")
        yield RowTable(FINDING_COLUMNS, empty="no findings", title=FINDINGS_TITLE, id="findings")
        with VerticalScroll(id="why"):
            yield QuietStatic(id="finding-detail")
        yield QuietStatic(id="fleet-strip")
        with Horizontal(id="fleet-row"):
            yield RowTable(
                COMPACT_COLUMNS, empty="no adapters", title="Adapters (3)", id="adapter-panel"
            )
            with Vertical(id="side"):
                yield DatabasePanel(id="database-panel")
                yield RowTable(
                    CERT_COLUMNS, empty="no certificates", title="Certificates (5)", id="cert-panel"
                )

    def on_mount(self) -> None:
        self._findings: dict[str, Finding] = {}
        self._ordered: list[Finding] = []
        self._hygiene: list[Finding] = []
        self._expanded = False  # the policy row lists its findings
        self._waiting: list[str] = []  # sources not heard from yet
        self._title = FINDINGS_TITLE
        super().on_mount()
        why = self.query_one("#why")
        why.border_title = "Why"
        why.border_subtitle = "tab, ↑↓ to scroll"
        self.query_one("#database-panel").border_title = "Database (2)"
        self.query_one("#findings", RowTable).focus()

    def header_team(self) -> Text | None:
        return team_part(*self.console_app.service.team())

    def show(self, snap: ConsoleSnapshot) -> None:
        self.query_one(PagesStrip).show(snap, short=self.size.height < SHORT_HEIGHT)
        view = self.console_app.fleet_view  # several targets: theirs, each naming its target
        self.query_one(TargetsStrip).show_view(view)
        self._ordered = ordered = view.findings if view is not None else snap.sorted_findings
        self._findings = row_findings(ordered)
        self._hygiene = [f for f in ordered if f.hygiene]
        self._waiting = silent_sources(snap)
        self._show_findings(snap)
        lines = adapter_lines(snap)
        adapters = self.query_one("#adapter-panel", RowTable)
        # until the cluster answered, an empty panel says so, not "no adapters"
        waiting = not_yet(snap, "kubernetes") if snap.fleet is None else None
        self._empty(adapters, waiting, "no adapters")
        self._empty(self.query_one("#cert-panel", RowTable), waiting, "no certificates")
        adapters.set_rows(sorted((compact_row(line) for line in lines), key=lambda r: r.sort_key))
        self.query_one(DatabasePanel).show(snap)
        self._panel_titles(view)
        if snap.fleet is not None:
            certs = cert_rows(snap.fleet.certificates, snap.generated_at, snap.findings)
            self.query_one("#cert-panel", RowTable).set_rows(
                [Row(r.key, (r.cells[0], r.key.split("/")[-1], r.cells[2]), r.style) for r in certs]
            )
        self.query_one("#fleet-strip", QuietStatic).show_text(fleet_strip(snap, lines))

    def _panel_titles(self, view: FleetView | None) -> None:
        """The panels are the focused target's: with several, they say so."""
        where = f" · {view.focused}" if has_several(view) and view is not None else ""
        self.query_one("#adapter-panel", RowTable).set_title(f"Adapters (3){where}")
        self.query_one("#cert-panel", RowTable).set_title(f"Certificates (5){where}")
        database = self.query_one("#database-panel")
        if database.border_title != f"Database (2){where}":
            database.border_title = f"Database (2){where}"

    def _show_findings(self, snap: ConsoleSnapshot | None = None) -> None:
        snap = snap or self.console_app.snapshot
        if snap is None:
            return
        table = self.query_one("#findings", RowTable)
        # until every source answered, an empty list is not "no findings"
        waiting = f"reading… {', '.join(self._waiting)}" if self._waiting else ""
        if table.empty != (waiting or "no findings"):
            table.empty = waiting or "no findings"
            table.refresh()
        # a partial list says so in its title: more findings may come as sources answer
        title = f"Findings · {waiting}" if waiting else FINDINGS_TITLE
        if self._title != title:
            self._title = title
            table.set_title(title)
        rows = finding_rows(self._ordered, snap.namespaces, expanded=self._expanded)
        table.set_rows(rows)
        self._show_detail()

    @staticmethod
    def _empty(table: RowTable, why: Text | None, default: str) -> None:
        text = why.plain if why is not None else default
        if table.empty != text:
            table.empty = text
            table.refresh()

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT_HEIGHT, "-short")
        self.call_after_refresh(self._show_detail)  # the evidence wraps to the new width

    def _show_detail(self) -> None:
        current = self.query_one("#findings", RowTable).current
        detail = self.query_one("#finding-detail", QuietStatic)
        # the scrollbar's room is kept, so a long Why does not rewrap when it appears
        width = self.query_one("#why").size.width - 2
        if current is not None and current.key == POLICY_KEY:
            detail.show_text(finding_detail(self._hygiene, width))
            return
        finding = self._findings.get(current.key) if current else None
        if finding is None and self._waiting:
            names = ", ".join(self._waiting)
            detail.show_text(Text(f"{READING_WHY}: {names}.", "yellow"))
            return
        if finding is not None and finding.runbook is None:
            finding = replace(finding, runbook=self._linked_runbook(finding))
        detail.show_text(finding_detail(finding, width))

    def _linked_runbook(self, finding: Finding) -> str | None:
        """A rule without its own runbook id still leads to the runbook that applies to it."""
        from oc_console.services.engine_types import RunbookError
        from oc_console.services.screen_queries import runbook_for

        try:
            book = runbook_for(finding, self.console_app.service.runbooks())
        except RunbookError:
            return None
        return book.id if book else None

    def on_row_table_highlighted(self, event: RowTable.Highlighted) -> None:
        if event.table.id == "findings":
            self._show_detail()

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        if event.table.id == "adapter-panel":
            from oc_console.screens.adapter_detail import AdapterScreen

            self.app.push_screen(AdapterScreen(event.row.key))
            return
        if event.row.key == POLICY_KEY:
            self._expanded = not self._expanded
            self._show_findings()
            return
        finding = self._findings.get(event.row.key)
        if finding is None:
            return
        self.console_app.focus_target(finding.target_name)  # its screens, on its target
        if finding.id == "order-sync-failed" and finding.subject.startswith("orders/"):
            self.app.switch_mode("orders")  # a platform's group: the failures by error
        elif finding.target is not None and finding.target.kind == "order":
            self.console_app.open_order(finding.target.name)
        elif finding.id == "alert-unexplained":
            self.app.switch_mode("alerts")
        elif finding.subject in DRILL:
            self.app.switch_mode(DRILL[finding.subject])
        elif finding.id.startswith("cert-"):
            self.app.switch_mode("certificates")
        elif finding.id.startswith(("release", "argocd-", "crd-")):
            self.app.switch_mode("releases")
        elif self.console_app.snapshot and self.console_app.snapshot.fleet:
            keys = {a.key for a in self.console_app.snapshot.fleet.adapters}
            if finding.subject in keys:
                from oc_console.screens.adapter_detail import AdapterScreen

                self.app.push_screen(AdapterScreen(finding.subject))

    def action_runbook(self) -> None:
        """`b`: the runbook for the highlighted finding, its parameters filled from it."""
        from oc_console.screens.runbook import RunbookScreen
        from oc_console.services.engine_types import RunbookError
        from oc_console.services.screen_queries import runbook_for, runbook_params

        current = self.query_one("#findings", RowTable).current
        finding = self._findings.get(current.key) if current else None
        if finding is None:
            self.notify("select a finding first", severity="warning")
            return
        self.console_app.focus_target(finding.target_name)  # the runbook acts on its target
        try:
            book = runbook_for(finding, self.console_app.service.runbooks())
        except RunbookError as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return
        if book is None:
            self.notify(f"no runbook applies to {finding.id}", severity="warning")
            return
        params = runbook_params(finding, book, self.console_app.snapshot)
        self.app.push_screen(RunbookScreen(book, params))
