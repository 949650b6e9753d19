"""One adapter's release: who owns it, how it drifts from its Helm revision, and the history."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult

from oc_console.domain.releases import AdapterRelease, HelmRevision
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.adapter_detail import short_image
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.releases import STYLE, row_findings
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.services.screen_queries import adapter_release

HISTORY_COLUMNS = (
    Column("REV", 3, right=True),
    Column("STATUS", 10),
    # every row names the same chart: its version (the end) is what differs, and the width
    # goes to the description, where a failure's reason is
    Column("CHART", 17, middle=True),
    Column("DEPLOYED", 16),
    Column("DESCRIPTION", 20),
)


def _when(rev: HelmRevision) -> str:
    return f"{rev.last_deployed:%Y-%m-%d %H:%M}" if rev.last_deployed else "-"


# Helm's own words for a failed operation: `Upgrade "name" failed: <reason>` (also Install,
# Release, Rollback). The name is the release the screen is about; the reason is the news.
HELM_FAILED = re.compile(r'(?P<verb>\w+) "[^"]*" failed: (?P<reason>.+)', re.DOTALL)


def description(rev: HelmRevision) -> str:
    """The revision's description, a failure's reason first: at 80 columns the cell shows
    "context deadline exceeded …", not `Upgrade "openclaw-adapter-…`."""
    text = rev.error or rev.description
    m = HELM_FAILED.fullmatch(text)
    if m is None:
        return text
    return f"{m['reason']} ({m['verb'].lower()} failed)"


def history_row(rev: HelmRevision, deployed: HelmRevision | None) -> Row:
    style = "bold red" if rev.error else "yellow" if rev.status == "failed" else ""
    return Row(
        key=rev.secret,
        cells=(
            str(rev.revision),
            clean(rev.status),
            clean(rev.chart_text),
            _when(rev),
            clean(description(rev)),
        ),
        style="bold" if rev is deployed and not style else style,
    )


def detail_text(rel: AdapterRelease, snap: ConsoleSnapshot) -> Text:
    text = Text()
    text.append(clean(rel.key), "bold")
    if rel.release:
        text.append(f"  Helm release {clean(rel.release)}")
        if rel.deployed:
            text.append(f", deployed revision {rel.deployed.revision}")
    if rel.argo:
        a = rel.argo
        policy = "auto-sync" if a.auto_sync else "manual sync"
        extras = [n for n, on in (("prune", a.prune), ("selfHeal", a.self_heal)) if on]
        text.append(f"\nArgo CD app {clean(a.key)}: {clean(a.sync_status)}/{clean(a.health)}, ")
        text.append(f"{policy}{' + ' + ', '.join(extras) if extras else ''}")
        text.append(f", revision {clean(a.sync_revision or '?')}")
    if rel.note:
        text.append(f"\n{clean(rel.note)}", "yellow")
    if rel.deployed is not None:
        if rel.drift:
            text.append(f"\ndrift from Helm revision {rel.deployed.revision}:", "yellow")
            for d in rel.drift:
                since = f" (since {d.since:%Y-%m-%d %H:%M})" if d.since else ""
                helm, live = (
                    (short_image(d.helm), short_image(d.live))
                    if d.what == "image"
                    else (d.helm, d.live)
                )
                where = f" of {d.container}" if d.container else ""
                line = f"{d.what}{where}: Helm {helm}, live {live}{since}"
                text.append(f"\n  {clean(line)}", "yellow")
        else:
            text.append(f"\nno drift from Helm revision {rel.deployed.revision}", "green")
    for f in row_findings(rel, snap.findings):
        text.append(f"\n{f.severity.label}: {clean(f.summary)}", STYLE[f.severity])
    return text


class ReleaseDetailScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #release-detail { height: auto; max-height: 14; padding: 0 1; }
    #history { height: 1fr; min-height: 5; border: round $primary; }
    """

    def __init__(self, adapter_key: str) -> None:
        super().__init__()
        self.adapter_key = adapter_key

    def compose_body(self) -> ComposeResult:
        yield QuietStatic(id="release-detail")
        yield RowTable(HISTORY_COLUMNS, empty="no Helm revisions", id="history")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#history").border_title = "Helm history, newest first"
        self.query_one("#history", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        adapter = None
        if snap.fleet is not None:
            adapter = next((a for a in snap.fleet.adapters if a.key == self.adapter_key), None)
        if adapter is None or snap.fleet is None:
            self.query_one("#release-detail", QuietStatic).show_text(
                Text(f"{clean(self.adapter_key)} is not in the cluster's current view", "yellow")
            )
            return
        rel = adapter_release(snap.fleet, adapter)
        self.query_one("#release-detail", QuietStatic).show_text(detail_text(rel, snap))
        rows = [history_row(r, rel.deployed) for r in rel.history]
        self.query_one("#history", RowTable).set_rows(rows)
