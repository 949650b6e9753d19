"""Releases: one row per adapter — its Helm chart and revision, drift from what Helm rendered,
digest pinning, and the Argo CD app that syncs it. Enter opens the history and the drift.

The analysis decides what is wrong (oc_console.analysis.release_findings and the
`image-not-pinned` finding); a row's colour is the worst of the findings about it, never
decided here.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity, worst
from oc_console.domain.releases import AdapterRelease
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean, fit_middle
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.format import SEVERITY_TAG
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.services.screen_queries import adapter_releases

RELEASE_COLUMNS = (
    Column("ADAPTER", 8),
    Column("CHART", 23),
    Column("REV", 3, right=True),
    Column("STATUS", 10),
    Column("AGE", 6, right=True),
    Column("DRIFT", 6),
    Column("PIN", 3),
    Column("ARGO CD", 8),
)
# The findings a Releases row is coloured by.
RELEASE_FINDINGS = frozenset(
    {
        "release-drift",
        "release-failed",
        "release-pending-stuck",
        "release-unreadable",
        "argocd-auto-sync",
        "image-not-pinned",
    }
)
STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.OK: ""}


def row_findings(rel: AdapterRelease, findings: tuple[Finding, ...]) -> list[Finding]:
    """The findings about this adapter or its Helm release."""
    subjects = {rel.key}
    if rel.latest is not None:
        subjects.add(rel.latest.key)
    return [f for f in findings if f.id in RELEASE_FINDINGS and f.subject in subjects]


def _chart(rel: AdapterRelease) -> str:
    if rel.latest is not None:
        return rel.latest.chart_text
    if rel.argo is not None:
        return f"{rel.argo.chart or '?'}@{rel.argo.target_revision or 'HEAD'}"
    return "-"


def _drift(rel: AdapterRelease) -> str:
    if rel.note and rel.note.startswith("cannot see"):
        return "?"
    if rel.deployed is None:
        return "-"
    return f"{len(rel.drift)} diff" if rel.drift else "none"


def _argo(rel: AdapterRelease) -> str:
    if rel.argo is None:
        return "-"
    auto = "auto " if rel.argo.auto_sync else ""  # first: it must survive a narrow column
    return f"{auto}{rel.argo.sync_status}/{rel.argo.health}"


def release_row(rel: AdapterRelease, findings: tuple[Finding, ...], now: datetime) -> Row:
    latest = rel.latest
    deployed_at = latest.last_deployed if latest else None
    severity = worst(row_findings(rel, findings))
    return Row(
        key=rel.key,
        cells=(
            clean(rel.platform),
            fit_middle(_chart(rel), RELEASE_COLUMNS[1].width),
            str(latest.revision) if latest else "-",
            clean(latest.status) if latest else ("argocd" if rel.argo else "-"),
            human_duration((now - deployed_at).total_seconds()) if deployed_at else "-",
            _drift(rel),
            "yes" if rel.pinned else "no",  # the image-not-pinned finding colours it
            clean(_argo(rel)),
        ),
        style=STYLE[severity],
        sort_key=(rel.platform,),
    )


def release_rows(snap: ConsoleSnapshot) -> list[Row]:
    if snap.fleet is None:
        return []
    return sorted(
        (release_row(r, snap.findings, snap.generated_at) for r in adapter_releases(snap.fleet)),
        key=lambda r: r.sort_key,
    )


# A notice about the whole cluster, in one line above the table: what, then its evidence. The
# finding's whole sentence is on the Overview.
NOTICES = {
    "crd-v1alpha1": "{subject} is still served at the deprecated v1alpha1",
    "releases-not-visible": "Helm history unreadable: drift and failed upgrades unknown",
}


def banner(snap: ConsoleSnapshot, target: str = "") -> Text:
    """What is true of the cluster rather than of one adapter: CRD versions, visibility;
    each line naming its cluster when several are listed."""
    where = f"{target}: " if target else ""
    text = Text()
    for f in snap.sorted_findings:
        if f.id in NOTICES:
            line = NOTICES[f.id].format(subject=f.subject)
            text.append(clean(f"{where}{SEVERITY_TAG[f.severity]} {line}"), STYLE[f.severity])
            text.append(f"  ({clean(f.evidence[0])})\n" if f.evidence else "\n", "dim")
    if snap.fleet is not None and snap.fleet.api_groups_error:
        text.append(f"{where}API discovery: {clean(snap.fleet.api_groups_error)}\n", "yellow")
    text.rstrip()
    return text


RELEASES_TITLE = "Releases  (enter: history and drift)"


class ReleasesScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #release-banner { height: auto; max-height: 4; padding: 0 1; text-wrap: nowrap;
                      text-overflow: ellipsis; }
    #releases { height: 1fr; border: round $primary; }
    """

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="release-banner")
        yield RowTable(RELEASE_COLUMNS, empty="no adapter Deployments found", id="releases")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#releases", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        table = self.query_one("#releases", RowTable)
        if snap.fleet is None:
            health = snap.source("kubernetes")
            table.empty = clean((health.error if health else None) or "waiting for the cluster…")
        listed = self.listed(snap)
        several = len(listed) > 1
        table.set_title(targets_title(self.console_app.fleet_view, RELEASES_TITLE))
        # AGE, then REV, give way to the target at 80 columns: the detail (enter) has both
        show_columns(table, with_target(RELEASE_COLUMNS, several, give_way=(2, 4)))
        notices = Text("\n").join(
            b for t in listed if (b := banner(t.snapshot, t.name if several else ""))
        )
        self.query_one("#release-banner", QuietStatic).show_text(notices)
        table.set_rows(merged((t.name, release_rows(t.snapshot)) for t in listed))

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        from oc_console.screens.release_detail import ReleaseDetailScreen

        self.app.push_screen(ReleaseDetailScreen(event.row.key))
