"""Overview: what is wrong across the fleet, worst first, and why."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from screens.base import ConsoleScreen
from screens.format import SEVERITY_STYLE, SEVERITY_TAG
from screens.widgets.database_panel import DatabasePanel
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

FINDING_COLUMNS = (Column("SEV", 4), Column("SUBJECT", 16), Column("SUMMARY", 30))


def finding_rows(findings: list[Finding]) -> list[Row]:
    return [
        Row(
            key=f"{f.id}:{f.subject}",
            cells=(SEVERITY_TAG[f.severity], f.subject, f.summary),
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


class OverviewScreen(ConsoleScreen):
    CSS_PATH = "overview.tcss"

    def compose_body(self) -> ComposeResult:
        yield RowTable(FINDING_COLUMNS, empty="no findings", id="findings")
        yield QuietStatic(id="finding-detail")
        yield DatabasePanel(id="database-panel")

    def on_mount(self) -> None:
        self._findings: dict[str, Finding] = {}
        super().on_mount()
        self.query_one("#findings").border_title = "Findings"
        self.query_one("#finding-detail").border_title = "Why"
        self.query_one("#database-panel").border_title = "Database pool  (:db)"
        self.query_one("#findings", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        self._findings = {f"{f.id}:{f.subject}": f for f in snap.findings}
        table = self.query_one("#findings", RowTable)
        table.set_rows(finding_rows(snap.sorted_findings))
        self._show_detail()
        self.query_one(DatabasePanel).show(snap.database, snap.source("postgres"))

    def _show_detail(self) -> None:
        current = self.query_one("#findings", RowTable).current
        finding = self._findings.get(current.key) if current else None
        self.query_one("#finding-detail", QuietStatic).show_text(finding_detail(finding))

    def on_row_table_highlighted(self, event: RowTable.Highlighted) -> None:
        self._show_detail()

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        finding = self._findings.get(event.row.key)
        if finding and finding.subject == "postgres":
            self.app.switch_mode("database")
