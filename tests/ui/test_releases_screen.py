"""The Releases screen (`7`, `:releases`) at 80x24 against the whole sandbox, and its rows'
handling of hostile backend text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oc_console.config_loading import load_config
from oc_console.domain.releases import HelmRevision
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.overview_rows import POLICY_KEY
from oc_console.screens.release_detail import ReleaseDetailScreen, history_row
from oc_console.screens.releases import ReleasesScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.kubectl import kubectl
from tests.ui.pilot_helpers import pick, until


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def releases_loaded(app: ConsoleApp) -> bool:
    s = app.snapshot
    return bool(s and s.fleet and s.fleet.helm and s.fleet.argo_apps)


@pytest.mark.integration
async def test_releases_rows_colour_and_drill_down(fleet_sandbox: Sandbox) -> None:
    listed = kubectl(fleet_sandbox, "get", "secrets", "-l", "owner=helm", "-o", "name")
    assert len(listed.split()) == 20  # what the screen's rows are made of
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: releases_loaded(app))
        await pilot.press("7")
        assert isinstance(app.screen, ReleasesScreen)
        table = app.screen.query_one("#releases", RowTable)
        await until(pilot, lambda: len(table.rows) == 7)
        rows = {r.cells[0]: r for r in table.rows}
        shopee = rows["shopee"].cells
        assert shopee[1:4] == ("openclaw-adapter-2.15.0", "5", "failed") and shopee[5] == "1 diff"
        assert rows["shopee"].style == "yellow"  # release-failed, a warning
        assert rows["walmart"].cells[5] == "1 diff"
        assert rows["lazada"].cells[6] == "no"  # by tag, not digest
        assert rows["tiktok"].cells[3] == "argocd"
        assert rows["tiktok"].cells[7] == "auto Synced/Healthy"
        assert rows["amazon"].style == "" and rows["amazon"].cells[5] == "none"
        assert rows["amazon"].cells[1].endswith("2.14.3")

        pick(table, lambda r: r.cells[0] == "shopee")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReleaseDetailScreen))
        history = app.screen.query_one("#history", RowTable)
        await until(pilot, lambda: len(history.rows) == 5)
        assert [r.cells[:2] for r in history.rows] == [
            ("5", "failed"),
            ("4", "failed"),
            ("3", "deployed"),
            ("2", "superseded"),
            ("1", "superseded"),
        ]
        await pilot.press("escape")
        await pilot.press("1")
        app.run_command_line("releases")
        await until(pilot, lambda: isinstance(app.screen, ReleasesScreen))
        # a release finding on the Overview opens this screen
        await pilot.press("1")
        findings = app.screen.query_one("#findings", RowTable)
        # the auto-sync finding is policy: it sits in the folded policy row, which enter opens
        await until(pilot, lambda: any(r.key == POLICY_KEY for r in findings.rows))
        pick(findings, lambda r: r.key == POLICY_KEY)
        await pilot.press("enter")
        await until(pilot, lambda: any("auto-syncs" in " ".join(r.cells) for r in findings.rows))
        pick(findings, lambda r: "auto-syncs" in " ".join(r.cells))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReleasesScreen))


def test_backend_text_in_a_history_row_is_shown_not_obeyed() -> None:
    rev = HelmRevision(
        namespace="openclaw",
        release="x",
        revision=2,
        status="failed\x1b[2J",
        chart="c[bold]",
        chart_version="1",
        app_version="1",
        first_deployed=None,
        last_deployed=datetime(2026, 1, 1, tzinfo=UTC),
        description="Upgrade failed: \x1b]52;c;aGVsbG8=\x07 \u202eevil",
        secret="sh.helm.release.v1.x.v2",
    )
    cells = history_row(rev, None).cells
    assert "\x1b" not in "".join(cells) and "\u202e" not in "".join(cells)
    assert "␛]52;c;aGVsbG8=␇" in cells[4] and "<U+202E>evil" in cells[4]
