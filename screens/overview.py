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
from oc_console.sanitize import clean
from screens.adapter_rows import COMPACT_COLUMNS, AdapterLine, adapter_lines, compact_row
from screens.base import ConsoleScreen
from screens.certificates import cert_rows
from screens.format import SEVERITY_STYLE, SEVERITY_TAG
from screens.widgets.database_panel import DatabasePanel, finding_style
from screens.widgets.pages_strip import PagesStrip
from screens.widgets.quiet_static import QuietStatic
from screens.widgets.row_table import Column, Row, RowTable

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


def finding_detail(finding: Finding | None, width: int = 0) -> Text:
    """The selected finding in full: its sentence, every line of evidence (a crash loop's
    previous log tail among them) wrapped rather than cut, and its runbook. `width` is the
    panel's, for the evidence's hanging indent (0: let the panel wrap)."""
    if finding is None:
        return Text("No findings: nothing the console checks is wrong.", "green")
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


def fleet_strip(snap: ConsoleSnapshot, lines: list[AdapterLine]) -> Text:
    """Adapters, database and certificates in two lines, for terminals too short for panels."""
    text = Text("adapters ", "bold")
    troubled = [line for line in lines if line.severity]
    named = ", ".join(f"{line.adapter.platform} {line.status}" for line in troubled)
    worst = max((line.severity for line in troubled), default=None)
    text.append(f"{len(lines)}: ")
    text.append(clean(named) or "all ready", SEVERITY_STYLE[worst] if worst else "green")
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
        soonest = cert_rows(snap.fleet.certificates, snap.generated_at, snap.findings)[0]
        text.append(f"{soonest.cells[2]} {clean(soonest.key.split('/')[-1])}", soonest.style)
    text.append(" (5)", "dim")
    return text


class OverviewScreen(ConsoleScreen):
    CSS_PATH = "overview.tcss"
    HELP_NAME = "Overview"
    BINDINGS = [Binding("b", "runbook", "runbook", id="overview.runbook")]

    def compose_body(self) -> ComposeResult:
        yield PagesStrip(id="pages")
        yield RowTable(
            FINDING_COLUMNS, empty="no findings", title="Findings (enter: open)", id="findings"
        )
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
        super().on_mount()
        why = self.query_one("#why")
        why.border_title = "Why"
        why.border_subtitle = "tab, ↑↓ to scroll"
        self.query_one("#database-panel").border_title = "Database (2)"
        self.query_one("#findings", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        self.query_one(PagesStrip).show(snap, short=self.size.height < SHORT_HEIGHT)
        self._findings = {f"{f.id}:{f.subject}": f for f in snap.findings}
        rows = finding_rows(snap.sorted_findings, snap.namespaces)
        self.query_one("#findings", RowTable).set_rows(rows)
        self._show_detail()
        lines = adapter_lines(snap)
        adapters = self.query_one("#adapter-panel", RowTable)
        adapters.set_rows(sorted((compact_row(line) for line in lines), key=lambda r: r.sort_key))
        self.query_one(DatabasePanel).show(snap)
        if snap.fleet is not None:
            certs = cert_rows(snap.fleet.certificates, snap.generated_at, snap.findings)
            self.query_one("#cert-panel", RowTable).set_rows(
                [Row(r.key, (r.cells[0], r.key.split("/")[-1], r.cells[2]), r.style) for r in certs]
            )
        self.query_one("#fleet-strip", QuietStatic).show_text(fleet_strip(snap, lines))

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT_HEIGHT, "-short")
        self.call_after_refresh(self._show_detail)  # the evidence wraps to the new width

    def _show_detail(self) -> None:
        current = self.query_one("#findings", RowTable).current
        finding = self._findings.get(current.key) if current else None
        if finding is not None and finding.runbook is None:
            finding = replace(finding, runbook=self._linked_runbook(finding))
        detail = self.query_one("#finding-detail", QuietStatic)
        # the scrollbar's room is kept, so a long Why does not rewrap when it appears
        width = self.query_one("#why").size.width - 2
        detail.show_text(finding_detail(finding, width))

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
        if finding.subject.startswith("order/"):
            self.console_app.open_order(finding.subject.removeprefix("order/"))
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
