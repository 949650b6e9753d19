"""At 80 columns a cut never hides meaning, and no internal text reaches the screen: three
pods' alerts differ in what shows, the Helm history leads with the failure's reason, the memory
table keeps its container column, and no Python tuple, timedelta or doubled word leaks into a
finding, a check or a confirmation. Driven by Pilot against the sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from oc_console.config_loading import load_config
from oc_console.sandbox.kube.scenarios import CRASHLOOP_IMAGE
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.adapter_detail import AdapterScreen
from oc_console.screens.adapter_metrics import AdapterMetricsScreen
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, ValuePrompt
from oc_console.screens.release_detail import ReleaseDetailScreen
from oc_console.screens.releases import ReleasesScreen
from oc_console.screens.runbook import RunbookScreen
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.kubectl import kubectl
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration
SIZE = (80, 24)
ORDER = "114-3941689-8772232"
# What Python's repr leaks: a tuple, a timedelta (2:00:00, 1 day, 0:00:00), a zero gap.
LEAK = re.compile(r"\('|\d+ days?, \d|(?<![\d:])\d:\d\d:\d\d(?!\d)|\b0ms before")


def app_on(sandbox: Sandbox) -> ConsoleApp:
    return make_app(Console(load_config(flags=sandbox.flags(), environ={})))


def shown(table: RowTable) -> list[str]:
    """The table's lines as painted, header first."""
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_three_pods_alerts_differ_in_what_shows(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"alerts", "enter")
        alerts = app.screen.query_one("#alerts", RowTable)
        oom = lambda: [r for r in alerts.rows if r.cells[1] == "AdapterOOMKilled"]  # noqa: E731
        await until(pilot, lambda: len(oom()) == 3, timeout=40)
        await pilot.pause(0.2)
        painted = [line for line in shown(alerts) if "AdapterOOMKilled" in line]
        assert len(painted) == 3 and len(set(painted)) == 3, painted
        for row in oom():
            pod = row.cells[2]
            assert any(pod[-5:] in line for line in painted), (pod, painted)


async def test_release_history_leads_with_the_reason_and_a_notice_is_one_line(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet
                                        and app.snapshot.fleet.helm))  # fmt: skip
        await pilot.press("7")
        assert isinstance(app.screen, ReleasesScreen)
        table = app.screen.query_one("#releases", RowTable)
        await until(pilot, lambda: len(table.rows) == 7)
        banner = app.screen.query_one("#release-banner", QuietStatic)
        await until(pilot, lambda: "v1alpha1" in str(banner.render()))
        await pilot.pause(0.2)
        assert banner.size.height == 1, str(banner.render())
        assert "deprecated" in str(banner.render())
        pick(table, lambda r: r.cells[0] == "shopee")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReleaseDetailScreen))
        history = app.screen.query_one("#history", RowTable)
        await until(pilot, lambda: len(history.rows) == 5)
        await pilot.pause(0.2)
        failed = [line for line in shown(history) if " failed " in line]
        assert len(failed) == 2, shown(history)
        # the reason, not Helm's preamble naming the release the screen is about
        assert all("context deadline exceeded" in line for line in failed), failed


async def test_the_memory_table_keeps_the_container_at_80_columns(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet
                                        and app.snapshot.metrics))  # fmt: skip
        amazon = next(a for a in app.snapshot.fleet.adapters if a.platform == "amazon")  # type: ignore[union-attr]
        await app.push_screen(AdapterScreen(amazon.key))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, AdapterMetricsScreen))
        memory = app.screen.query_one("#memory", RowTable)
        await until(pilot, lambda: len(memory.rows) >= 6)
        await pilot.pause(0.2)
        lines = shown(memory)
        assert "CONTAINER" in lines[0], lines[0]
        rows = [line for line in lines[1:] if "Mi" in line]
        assert len(rows) == len(memory.rows) and len(set(rows)) == len(rows), rows
        # the container whole: `otel-collector`, not `otel-coll…`
        for row, line in zip(memory.rows, rows, strict=True):
            assert f" {row.cells[1]} " in line, (row.cells, line)


async def test_no_tuple_or_timedelta_in_findings_silences_or_checks(
    fleet_sandbox: Sandbox,
) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet
                                        and app.snapshot.firing), timeout=40)  # fmt: skip
        snap = app.snapshot
        assert snap is not None
        assert any(f.id == "rollout-stuck" for f in snap.findings)  # the Why that leaked
        for f in snap.findings:
            for text in (f.summary, *f.evidence):
                assert not LEAK.search(text), (f.id, text)
        # the certificate runbook's check: renewBefore as a duration people read
        cert = next(c for c in snap.fleet.certificates if c.renew_before)  # type: ignore[union-attr]
        book = app.service.runbooks()["cert-expiry"]
        params = {"namespace": cert.namespace, "certificate": cert.name}
        await app.push_screen(RunbookScreen(book, params))
        step = app.screen.query_one("#step-0", Static)
        await until(pilot, lambda: "renewBefore" in str(step.render()), timeout=30)
        text = str(step.render())
        assert not LEAK.search(text), text
        await pilot.press("n")
        await pilot.press("escape")
        # a silence's preview: "for 2h"
        await pilot.press("colon", *"alerts", "enter")
        alerts = app.screen.query_one("#alerts", RowTable)
        await until(pilot, lambda: alerts.current is not None)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        await pilot.press("enter")  # the proposed matchers
        await pilot.pause(0.1)
        await pilot.press("enter")  # 2h
        await pilot.pause(0.1)
        await pilot.press(*"drill", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        summary = app.screen.plan.preview.summary  # type: ignore[attr-defined]
        assert " for 2h " in summary and not LEAK.search(summary), summary
        await pilot.press("n")


async def test_a_replay_confirmation_names_the_order_once(fleet_sandbox: Sandbox) -> None:
    app = app_on(fleet_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        orders = app.screen.query_one("#orders", RowTable)
        await until(pilot, lambda: any(r.key == ORDER for r in orders.rows))
        orders.action_cursor(next(i for i, r in enumerate(orders.rows) if r.key == ORDER))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                    and bool(app.screen.query("#question")), timeout=20)  # fmt: skip
        question = str(app.screen.query_one("#question", Static).render())
        assert f"replay order {ORDER}" in question and "order/" not in question, question
        await pilot.press("n")


@pytest.fixture(scope="module")
def crashloop_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(parse_scenarios("crashloop"), Path(tmp_path_factory.mktemp("leaks")),
                 use_prometheus=False)  # fmt: skip
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


async def test_a_rollout_in_the_second_the_crash_loop_began_reads_so(
    crashloop_sandbox: Sandbox,
) -> None:
    """A new ReplicaSet and its first pod are created in the same second: the gap is zero."""
    kubectl(crashloop_sandbox, "set", "image", "deployment/openclaw-adapter-amazon",
            f"adapter={CRASHLOOP_IMAGE}")  # fmt: skip
    app = app_on(crashloop_sandbox)
    async with app.run_test(size=SIZE) as pilot:

        def lead() -> str:
            snap = app.snapshot
            found = [f.summary for f in (snap.findings if snap else ())
                     if f.id == "changed-before-it-broke" and "amazon" in f.subject]  # fmt: skip
            return found[0] if found else ""

        await until(pilot, lead, timeout=40)
        assert not LEAK.search(lead()) and "ms before" not in lead(), lead()
        assert re.search(r"(as|\d+s before) the crash loop began", lead()), lead()
