"""Overview: what is wrong across the fleet, worst first, and why; then adapters, the database
pool and the certificates closest to expiry at a glance."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical

from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from screens.adapter_rows import COMPACT_COLUMNS, AdapterLine, adapter_lines, compact_row
from screens.base import ConsoleScreen
from screens.certificates import cert_rows
from screens.format import SEVERITY_STYLE, SEVERITY_TAG
from screens.widgets.database_panel import DatabasePanel, finding_style
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

FINDING_COLUMNS = (Column("SEV", 4), Column("SUBJECT", 24), Column("SUMMARY", 30))
CERT_COLUMNS = (Column("CERTIFICATE", 22), Column("EXPIRES", 8, right=True))
SHORT_HEIGHT = 34  # below this many rows the fleet panels fold into a two-line strip

# where `enter` on a finding leads, by the subject it is about
DRILL = {"postgres": "database"}


def finding_rows(findings: list[Finding], namespaces: tuple[str, ...] = ()) -> list[Row]:
    # with one namespace in view, "openclaw/openclaw-adapter-x" says nothing the header does not
    prefix = f"{namespaces[0]}/" if len(namespaces) == 1 else "\0"
    return [
        Row(
            key=f"{f.id}:{f.subject}",
            cells=(SEVERITY_TAG[f.severity], f.subject.removeprefix(prefix), f.summary),
            style=SEVERITY_STYLE[f.severity],
        )
        for f in findings
    ]


def finding_detail(finding: Finding | None) -> Text:
    if finding is None:
        return Text("No findings: nothing the console checks is wrong.", "green")
    text = Text()
    text.append(f"{finding.summary}\n", SEVERITY_STYLE[finding.severity])
    for line in finding.evidence:
        text.append(f"  • {line}\n")
    if finding.runbook:
        text.append(f"runbook: {finding.runbook}", "bold")
    return text


def fleet_strip(snap: ConsoleSnapshot, lines: list[AdapterLine]) -> Text:
    """Adapters, database and certificates in two lines, for terminals too short for panels."""
    text = Text("adapters ", "bold")
    troubled = [f"{line.adapter.platform} {line.status}" for line in lines if line.severity_style]
    text.append(f"{len(lines)}: ")
    text.append(", ".join(troubled) or "all ready", "yellow" if troubled else "green")
    text.append("  (3)\n", "dim")
    db = snap.database
    text.append("db ", "bold")
    if db is None:
        health = snap.source("postgres")
        text.append(health.status if health else "-")
    else:
        text.append(f"{db.saturation_pct:.0f} % conn, ")
        text.append(
            f"{db.idle_in_transaction_count} idle in tx",
            finding_style(snap, "pool-idle-in-transaction"),
        )
    text.append(" (2)  ", "dim")
    text.append("next cert expiry ", "bold")
    if snap.fleet is not None and snap.fleet.certificates:
        soonest = cert_rows(snap.fleet.certificates, snap.generated_at)[0]
        text.append(f"{soonest.cells[1]} {soonest.key.split('/')[-1]}", soonest.style)
    text.append(" (5)", "dim")
    return text


class OverviewScreen(ConsoleScreen):
    CSS_PATH = "overview.tcss"
    BINDINGS = [Binding("b", "runbook", "runbook", id="overview.runbook")]

    def compose_body(self) -> ComposeResult:
        yield RowTable(FINDING_COLUMNS, empty="no findings", id="findings")
        yield QuietStatic(id="finding-detail")
        yield QuietStatic(id="fleet-strip")
        with Horizontal(id="fleet-row"):
            yield RowTable(COMPACT_COLUMNS, empty="no adapters", id="adapter-panel")
            with Vertical(id="side"):
                yield DatabasePanel(id="database-panel")
                yield RowTable(CERT_COLUMNS, empty="no certificates", id="cert-panel")

    def on_mount(self) -> None:
        self._findings: dict[str, Finding] = {}
        super().on_mount()
        self.query_one("#findings").border_title = "Findings (enter: open)"
        self.query_one("#finding-detail").border_title = "Why"
        self.query_one("#adapter-panel").border_title = "Adapters (3)"
        self.query_one("#database-panel").border_title = "Database (2)"
        self.query_one("#cert-panel").border_title = "Certificates (5)"
        self.query_one("#findings", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        self._findings = {f"{f.id}:{f.subject}": f for f in snap.findings}
        rows = finding_rows(snap.sorted_findings, snap.namespaces)
        self.query_one("#findings", RowTable).set_rows(rows)
        self._show_detail()
        lines = adapter_lines(snap)
        adapters = self.query_one("#adapter-panel", RowTable)
        adapters.set_rows([compact_row(line) for line in lines])
        self.query_one(DatabasePanel).show(snap)
        if snap.fleet is not None:
            certs = cert_rows(snap.fleet.certificates, snap.generated_at)
            self.query_one("#cert-panel", RowTable).set_rows(
                [Row(r.key, (r.key.split("/")[-1], r.cells[1]), r.style) for r in certs]
            )
        self.query_one("#fleet-strip", QuietStatic).show_text(fleet_strip(snap, lines))

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT_HEIGHT, "-short")

    def _show_detail(self) -> None:
        current = self.query_one("#findings", RowTable).current
        finding = self._findings.get(current.key) if current else None
        if finding is not None and finding.runbook is None:
            finding = replace(finding, runbook=self._linked_runbook(finding))
        self.query_one("#finding-detail", QuietStatic).show_text(finding_detail(finding))

    def _linked_runbook(self, finding: Finding) -> str | None:
        """A rule without its own runbook id still leads to the runbook that applies to it."""
        from oc_console.runbook.links import runbook_for
        from oc_console.runbook.loader import RunbookError

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
            from screens.adapter_detail import AdapterScreen

            self.app.push_screen(AdapterScreen(event.row.key))
            return
        finding = self._findings.get(event.row.key)
        if finding is None:
            return
        if finding.subject in DRILL:
            self.app.switch_mode(DRILL[finding.subject])
        elif finding.id.startswith("cert-"):
            self.app.switch_mode("certificates")
        elif finding.id.startswith(("release", "argocd-", "crd-")):
            self.app.switch_mode("releases")
        elif self.console_app.snapshot and self.console_app.snapshot.fleet:
            keys = {a.key for a in self.console_app.snapshot.fleet.adapters}
            if finding.subject in keys:
                from screens.adapter_detail import AdapterScreen

                self.app.push_screen(AdapterScreen(finding.subject))

    def action_runbook(self) -> None:
        """`b`: the runbook for the highlighted finding, its parameters filled from it."""
        from oc_console.runbook.links import params_from, runbook_for
        from oc_console.runbook.loader import RunbookError
        from screens.runbook import RunbookScreen

        current = self.query_one("#findings", RowTable).current
        finding = self._findings.get(current.key) if current else None
        if finding is None:
            self.notify("select a finding first", severity="warning")
            return
        try:
            book = runbook_for(finding, self.console_app.service.runbooks())
        except RunbookError as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return
        if book is None:
            self.notify(f"no runbook applies to {finding.id}", severity="warning")
            return
        params = params_from(finding, book, self.console_app.snapshot)
        self.app.push_screen(RunbookScreen(book, params))
