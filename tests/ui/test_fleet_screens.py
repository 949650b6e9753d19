"""Adapters, adapter detail, logs, events, certificates and the Overview's fleet panels, driven
by Pilot against the whole sandbox (real PostgreSQL, the Kubernetes API stand-in, metrics)."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot

from oc_console.config_loading import load_config
from oc_console.domain.findings import Severity
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.adapter_detail import AdapterScreen
from oc_console.screens.adapter_metrics import AdapterMetricsScreen
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.format import SEVERITY_STYLE, SEVERITY_TAG
from oc_console.screens.logs import LogScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.kubectl import kubectl
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration
ORDER = "114-3941689-8772232"


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def loaded(app: ConsoleApp) -> bool:
    s = app.snapshot
    return bool(s and s.fleet and s.metrics and s.database)


def table(app: ConsoleApp, selector: str) -> RowTable:
    return app.screen.query_one(selector, RowTable)


async def adapters_screen(app: ConsoleApp, pilot: Pilot[None]) -> RowTable:
    """Once every source has answered: the Adapters screen with its seven rows."""
    await until(pilot, lambda: loaded(app))
    await pilot.press("3")
    adapters = table(app, "#adapters")
    await until(pilot, lambda: len(adapters.rows) == 7)
    return adapters


async def test_adapters_screen_rows_sorting_and_drill_down(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        adapters = await adapters_screen(app, pilot)
        by_platform = {r.cells[0]: r.cells for r in adapters.rows}
        assert by_platform["amazon"][2] == "OOMKilled"
        assert by_platform["amazon"][4].startswith("OOMKilled 137 · ")
        assert by_platform["shopee"][2] == "CrashLoop"
        assert by_platform["shopee"][6] == "60%"  # 429 ratio from Prometheus
        assert by_platform["tiktok"][2] == "Erroring"
        assert by_platform["amazon"][9].split()[0] == "96%"  # memory against the 512Mi limit
        assert "512Mi" in by_platform["amazon"][9]
        # severity first, as the analysis judged each adapter (not by name: walmart and
        # shopify are fine and must come after every adapter with a finding)
        findings = app.snapshot.findings  # type: ignore[union-attr]
        worst = [
            max((f.severity for f in findings if f.subject == r.key), default=Severity.OK)
            for r in adapters.rows
        ]
        assert worst == sorted(worst, reverse=True)
        assert worst[0] == Severity.CRITICAL and worst[-1] == Severity.OK
        assert all(r.style == SEVERITY_STYLE[w] for r, w in zip(adapters.rows, worst, strict=True))
        await pilot.press("S")  # by platform
        await pilot.pause()
        assert [r.cells[0] for r in adapters.rows] == sorted(by_platform)
        await pilot.press("S", "S")  # by 5xx: tiktok's 25 % 5xx above shopee's 60 % 429s
        await pilot.pause()
        assert "5xx" in adapters.title_text
        assert adapters.rows[0].cells[0] == "tiktok"
        await pilot.press("S")  # 429s have their own sort
        await pilot.pause()
        assert "429" in adapters.title_text
        assert adapters.rows[0].cells[0] == "shopee"
        await pilot.press("S", "S")  # back to severity
        await pilot.pause()

        pick(adapters, lambda r: r.cells[0] == "amazon")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AdapterScreen))
        pods = table(app, "#pods")
        await until(pilot, lambda: len(pods.rows) == 3)
        assert all(r.cells[4].startswith("OOMKilled 137 · ") for r in pods.rows)
        assert all(r.cells[5] == "256Mi/512Mi" for r in pods.rows)

        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, AdapterMetricsScreen))
        memory = table(app, "#memory")
        await until(pilot, lambda: len(memory.rows) > 0)
        adapter_rows = [r for r in memory.rows if r.cells[1] == "adapter"]
        assert len(adapter_rows) == 3, [r.cells for r in memory.rows]
        assert all(r.cells[3] == "512Mi" and r.cells[5] for r in adapter_rows)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AdapterScreen))

        # the pod that handled the stuck order, as kubectl tells it
        out = kubectl(fleet_sandbox, "logs", "-l", "app=openclaw-adapter-amazon", "-c", "adapter",
                      "--prefix", "--tail=-1")  # fmt: skip
        line = next(x for x in out.splitlines() if ORDER in x)
        order_pod = line.split("/")[1]
        pick(pods, lambda r: r.key == order_pod)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        log = table(app, "#log")
        await until(pilot, lambda: len(log.rows) > 0)
        await pilot.press("slash", *ORDER)
        await pilot.pause()
        await until(pilot, lambda: len(log.rows) > 0)
        assert all(r.cells[2] == ORDER for r in log.rows)
        assert any("429" in r.cells[4] for r in log.rows)


async def test_crashloop_previous_logs_and_events(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: loaded(app))
        fleet = app.snapshot.fleet  # type: ignore[union-attr]
        shopee = next(a for a in fleet.adapters if a.platform == "shopee")
        await app.push_screen(AdapterScreen(shopee.key))
        await pilot.pause()
        pods = table(app, "#pods")
        await until(pilot, lambda: any(r.cells[2] == "CrashLoopBackOff" for r in pods.rows))
        pick(pods, lambda r: r.cells[2] == "CrashLoopBackOff")
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        log = table(app, "#log")
        await until(pilot, lambda: len(log.rows) > 0)
        assert app.screen.previous  # type: ignore[attr-defined]

        await pilot.press("escape", "escape", "4")
        await pilot.pause()
        events = table(app, "#events")
        await until(pilot, lambda: len(events.rows) > 0)
        # against the cluster's own events, in the order the API lists them
        listed = app.snapshot.fleet.events  # type: ignore[union-attr]
        by_key = {f"{e.namespace}/{e.name}": e for e in listed}
        warnings = [e for e in listed if e.type == "Warning"]
        assert warnings and len(warnings) < len(listed)
        assert [e.type for e in listed] != sorted((e.type for e in listed), reverse=True)
        shown = [by_key[r.key] for r in events.rows]
        assert {f"{e.namespace}/{e.name}" for e in shown[: len(warnings)]} == {
            f"{e.namespace}/{e.name}" for e in warnings
        }
        seen = [e.last_seen for e in shown[: len(warnings)]]
        assert None not in seen
        assert seen == sorted(seen, reverse=True)  # type: ignore[type-var]  # newest first


async def test_certificates_sorted_by_expiry(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.press("5")
        certs = table(app, "#certs")
        await until(pilot, lambda: len(certs.rows) > 0)
        names = [r.cells[1] for r in certs.rows]
        assert names[0] == "openclaw-api-tls"  # expires in ~5 days
        first = certs.rows[0]
        # the severity is the analysis's, as a word too (NO_COLOR)
        assert first.cells[6] == "<336h" and first.cells[0] == "WARN"
        # its Secret is not read (a Certificate covers it): the names are the Certificate's
        assert first.cells[7] == "api.openclaw.io, api.internal.openclaw.io"
        assert first.style == "yellow"
        findings = app.snapshot.findings  # type: ignore[union-attr]
        for row in certs.rows:
            worst = max((f.severity for f in findings if f.subject == row.key), default=Severity.OK)
            assert row.cells[0] == SEVERITY_TAG[worst], row.key
        expiries = [r.sort_key[0] for r in certs.rows]
        assert expiries == sorted(expiries)  # type: ignore[type-var]


async def test_overview_fleet_panels_and_strip(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.pause()
        panel = table(app, "#adapter-panel")
        assert {r.cells[0] for r in panel.rows} == {
            "amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify",
        }  # fmt: skip
        certs = table(app, "#cert-panel")
        assert certs.rows[0].cells[1] == "openclaw-api-tls"
        findings = {r.key.split(":")[0] for r in table(app, "#findings").rows}
        assert findings >= {
            "pool-idle-in-transaction", "adapter-oomkilled", "adapter-crashloop",
            "adapter-throttled", "queue-backlog", "cert-expiring",
        }  # fmt: skip

        def sampled_logs() -> bool:  # log tails are read in the background, a little later
            keys = {r.key.split(":")[0] for r in table(app, "#findings").rows}
            return "webhook-signature-mismatch" in keys

        await until(pilot, sampled_logs, timeout=30)
    small = app_on(fleet_sandbox)
    async with small.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: loaded(small))

        strip = str(small.screen.query_one("#fleet-strip").render())
        assert "amazon OOMKilled" in strip
        # named by its most urgent finding's word, never by the bare status "Ready"
        assert "shopee CrashLoop" in strip
        assert "Ready" not in strip
        assert not small.screen.query_one("#fleet-row").display


async def test_a_cluster_change_shows_within_a_second(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        adapters = await adapters_screen(app, pilot)
        walmart = next(r for r in adapters.rows if r.cells[0] == "walmart")
        desired = int(walmart.cells[1].split("/")[1])
        kubectl(
            fleet_sandbox, "scale", "deploy/openclaw-adapter-walmart", f"--replicas={desired + 1}"
        )
        start = asyncio.get_running_loop().time()

        def scaled() -> bool:
            row = next(r for r in adapters.rows if r.cells[0] == "walmart")
            return row.cells[1].endswith(f"/{desired + 1}")

        await until(pilot, scaled, timeout=5)
        assert asyncio.get_running_loop().time() - start < 1.5
        kubectl(fleet_sandbox, "scale", "deploy/openclaw-adapter-walmart", f"--replicas={desired}")
