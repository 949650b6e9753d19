"""The Overview in the first minutes, at 80x24, driven by Pilot on the real app: the finding that
names the first move on top, policy findings folded into one row that `enter` opens, a findings
table whose height does not jump, troubled adapters named with their reason, and, until a
source has answered, "reading…" in its name instead of a healthy word."""

from __future__ import annotations

from pathlib import Path

import pytest

from oc_console.config import Config, PostgresConfig
from oc_console.config_loading import load_config
from oc_console.domain.alerts import AlertsSnapshot
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.overview_rows import POLICY_KEY
from oc_console.screens.widgets.pages_strip import PagesStrip
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.hang_servers import SilentListener
from tests.integration.test_hung_sources import hung_kubeconfig
from tests.ui.pilot_helpers import until
from tests.ui.test_ui_habits import NOW, ShownConsole, snapshot

pytestmark = pytest.mark.integration
SOURCES = ("kubernetes", "prometheus", "postgres", "alertmanager")


def answered(app: ConsoleApp) -> bool:
    snap = app.snapshot
    return bool(
        snap
        and all((h := snap.source(n)) is not None and h.fetched_at for n in SOURCES)
        and any(f.id == "changed-before-it-broke" for f in snap.findings)
    )


def text(app: ConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_first_move_on_top_policy_folded_and_a_stable_table(fleet_sandbox: Sandbox) -> None:
    app = make_app(Console(load_config(flags=fleet_sandbox.flags(), environ={})))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: answered(app), timeout=60)
        await pilot.pause()
        table = app.screen.query_one("#findings", RowTable)
        keys = [r.key for r in table.rows]
        # "Rollout to revision 3 … roll it back first" leads; it was row 22 of 33 in `check`
        assert keys[0].startswith("changed-before-it-broke:openclaw/openclaw-adapter-shopee")
        assert "roll it back first" in table.rows[0].cells[2]
        # every policy finding folds into the last row, named by rule
        assert keys[-1] == POLICY_KEY
        policy = table.rows[-1].cells[2]
        assert "policy findings:" in policy and "digest x2" in policy and "auto-sync x1" in policy
        assert not any(k.startswith(("image-not-pinned", "argocd-auto-sync")) for k in keys)
        # a group of failed orders is its platform, not one of its orders
        subjects = [r.cells[1] for r in table.rows]
        assert "orders/lazada" in subjects
        # six rows at least, and the same height whichever finding the Why panel explains
        heights = set()
        for _ in range(len(keys)):
            heights.add(table.size.height)
            await pilot.press("down")
            await pilot.pause()
        assert heights == {7}, heights  # the header and six rows, between the borders
        # `enter` on the policy row lists its findings under it; again folds them
        await pilot.press("end", "enter")
        await pilot.pause()
        opened = [r.key for r in table.rows]
        assert opened.index(POLICY_KEY) < opened.index(
            "image-not-pinned:openclaw/openclaw-adapter-lazada"
        )
        assert "crd-v1alpha1:connectors.openclaw.io" in opened
        assert table.current is not None and table.current.key == POLICY_KEY
        await pilot.press("enter")
        await pilot.pause()
        folded = [r.key for r in table.rows]
        assert folded[-1] == POLICY_KEY and not any(k.startswith("image-not") for k in folded)
        # the fleet strip names why each adapter is listed, never a bare `Ready`
        strip = text(app, "#fleet-strip")
        assert "lazada backlog" in strip and "shopee CrashLoop" in strip
        assert "Ready" not in strip


async def test_before_the_sources_answer_each_says_reading(
    pool_sandbox: SandboxDatabase, tmp_path: Path
) -> None:
    """PostgreSQL answers; the API server and Alertmanager accept and never answer."""
    with SilentListener() as kube, SilentListener() as am:
        flags = {
            "postgres.dsn": pool_sandbox.dsn,
            "kubernetes.kubeconfig": str(hung_kubeconfig(tmp_path, kube.port)),
            "alertmanager.url": am.url,
        }
        app = make_app(Console(load_config(flags=flags, environ={})))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.snapshot and app.snapshot.database, timeout=10)
            await pilot.pause()
            strip = text(app, "#fleet-strip")
            assert "adapters kubernetes reading…" in strip, strip
            assert "next cert expiry kubernetes reading…" in strip
            assert "all ready" not in strip
            pages = text(app, "#pages")
            assert "alertmanager reading…" in pages and "nothing firing" not in pages
            table = app.screen.query_one("#findings", RowTable)
            assert "reading… kubernetes, alertmanager" in table.title_text
            assert app.snapshot is not None and app.snapshot.fleet is None
            # the panels a taller terminal shows say the same, not "no adapters"
            for panel in ("#adapter-panel", "#cert-panel"):
                assert app.screen.query_one(panel, RowTable).empty == "kubernetes reading…"


async def test_an_empty_list_before_any_answer_is_not_no_findings(tmp_path: Path) -> None:
    with SilentListener() as pg:
        cfg = Config(postgres=PostgresConfig(dsn=f"postgresql://u:p@127.0.0.1:{pg.port}/db"))
        app = make_app(Console(cfg))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
            why = text(app, "#finding-detail")
            # the orders tables are read from the same silent server: a source of their own
            assert "No findings yet: still reading: postgres, orders." in why
            assert "nothing the console checks is wrong" not in why


def quiet_alertmanager(*findings: Finding) -> ConsoleApp:
    am = SourceHealth("alertmanager", True, True, None, NOW)
    snap = snapshot(*findings)
    shown = snap.__class__(**{**snap.__dict__, "sources": (am,), "alerts": AlertsSnapshot(())})
    return make_app(ShownConsole(shown), poll_sources=False)


async def test_nothing_paging_beside_a_critical_finding_is_not_an_all_clear() -> None:
    crit = Finding("adapter-crashloop", Severity.CRITICAL, "openclaw/a", "It crashes.")
    app = quiet_alertmanager(crit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pages = str(app.screen.query_one(PagesStrip).render())
        assert "nothing firing" not in pages
        assert "alertmanager pages nothing yet, though the console sees 1 critical" in pages
    app = quiet_alertmanager()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "nothing firing" in str(app.screen.query_one(PagesStrip).render())


def pool_page(app: ConsoleApp) -> str:
    lines = str(app.screen.query_one(PagesStrip).render()).splitlines()
    return next((line for line in lines if "PoolIdleInTransaction" in line), "")


async def test_a_fixed_pool_reads_resolving_while_alertmanager_catches_up(tmp_path: Path) -> None:
    """The leaked sessions end (as the pool runbook ends them): the finding clears at the
    next read, the page still fires, and the strip says so instead of "unexplained"."""
    sandbox = Sandbox(frozenset({"pool"}), tmp_path / "sandbox", use_prometheus=False).start()
    try:
        app = make_app(Console(load_config(flags=sandbox.flags(), environ={})))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: "explained by" in pool_page(app), timeout=40)
            sandbox.database.stop_pool_load()
            app.refresh_data()
            await until(pilot, lambda: "resolving" in pool_page(app), timeout=30)
            line = pool_page(app)
            assert "resolving (finding cleared " in line and "unexplained" not in line
            snap = app.snapshot
            assert snap is not None
            assert not any(f.id == "alert-unexplained" for f in snap.findings)
            await pilot.press("colon", *"alerts", "enter")  # the Alerts screen says the same
            alerts = app.screen.query_one("#alerts", RowTable)
            await until(pilot, lambda: bool(alerts.rows))
            row = next(r for r in alerts.rows if "PoolIdleInTransaction" in r.cells)
            assert any(c.startswith("resolving (finding cleared ") for c in row.cells), row
    finally:
        sandbox.stop()
