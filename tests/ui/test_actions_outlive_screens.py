"""Actions belong to the service, not to the screen that started them, driven by Pilot on the
sandbox: esc out of the adapter screen mid-restart does not interrupt it; the header shows it
running; the outcome is one short notification, stays on the screen that started it and in
`:actions`; quitting with it running asks first, then interrupts it (audited, Lease released)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.lease import lease_name
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.adapter_detail import AdapterScreen
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen, QuitScreen
from oc_console.screens.recent_actions import RecentActionsScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.kubectl import kubectl
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(parse_scenarios("none"), Path(tmp_path_factory.mktemp("outlive")),
                 use_prometheus=False)  # fmt: skip
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def app_on(sandbox: Sandbox, audit: Path) -> ConsoleApp:
    config = load_config(flags=sandbox.flags(), environ={})
    return make_app(Console(config, audit=AuditLog(audit)))


def records(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def notes(app: ConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


def line(app: ConsoleApp) -> str:
    return str(app.screen.query_one("#actions-line").render())


async def select_adapter(app: ConsoleApp, pilot: Pilot[None], platform: str) -> None:
    await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
    await pilot.press("3")
    adapters = app.screen.query_one("#adapters", RowTable)
    await until(pilot, lambda: len(adapters.rows) == 7)
    pick(adapters, lambda r: r.key.endswith(platform))


async def confirm_restart(app: ConsoleApp, pilot: Pilot[None], audit: Path) -> None:
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
    await pilot.press("y")
    await until(pilot, lambda: len(records(audit)) == 1, timeout=30)  # the start record


async def test_esc_mid_restart_leaves_it_running_to_a_verified_end(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await select_adapter(app, pilot, "-lazada")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AdapterScreen))
        await confirm_restart(app, pilot, audit)
        [run] = app.service.actions.running()
        assert "⟳ restart lazada" in line(app)
        assert app._seconds is not None  # the header counts the running action's seconds
        await pilot.press("escape")  # out of the adapter screen, mid-execute or mid-verify
        assert not isinstance(app.screen, AdapterScreen)
        assert "⟳ restart lazada" in line(app)  # the header of the screen the operator is on
        await until(pilot, lambda: len(records(audit)) == 2, timeout=60)
        await until(pilot, lambda: not run.running)
        assert (run.status, run.outcome) == ("done", "done")
        assert app._seconds is None  # none running: nothing wakes the app each second
        assert "verified" in run.message
        # one short line, wherever the operator is
        await until(pilot, lambda: any(n.startswith("restart lazada: done in") for n in notes(app)))
        assert all(len(n) <= 72 and "\n" not in n for n in notes(app))
        await pilot.pause()
        toasts = list(app.screen.query(Toast))
        assert toasts and all(t.outer_size.height == 1 for t in toasts)  # no wrapped pile
        # back on the screen that started it, the outcome is there
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AdapterScreen))
        await pilot.pause()
        assert "✔ restart lazada: done" in line(app)
        # and in :actions, with the engine's words
        app.run_command_line("actions")
        await until(pilot, lambda: bool(app.screen.query("#recent-actions RowTable, RowTable")))
        assert isinstance(app.screen, RecentActionsScreen)
        rows = app.screen.query_one("#recent-actions", RowTable).rows
        assert rows[0].cells[1:4] == ("restart", "deployment/openclaw-adapter-lazada", "done")
        assert "verified" in rows[0].cells[5]
    start, end = records(audit)
    assert (start["phase"], end["phase"], end["outcome"]) == ("start", "end", "ok")


async def test_a_notification_goes_away_on_the_next_key(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_on(sandbox, tmp_path / "audit.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        app.notify("restart lazada: declined", timeout=30)
        await until(pilot, lambda: bool(notes(app)))
        await pilot.press("j")  # too soon to have been read: it stays
        assert notes(app) == ["restart lazada: declined"]
        await asyncio.sleep(1.1)
        await pilot.press("j")
        assert notes(app) == []


async def test_n_and_esc_both_decline_and_each_is_audited(sandbox: Sandbox, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_adapter(app, pilot, "-coupang")
        for key in ("n", "escape"):
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
            await pilot.press(key)
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), timeout=5)
            await until(pilot, lambda: not app.service.actions.running())
        assert [r.outcome for r in app.service.actions.recent()] == ["declined", "declined"]
        assert "restart coupang: declined" in notes(app)
    assert [(r["phase"], r["reason"]) for r in records(audit)] == [
        ("refused", "declined"), ("refused", "declined")]  # fmt: skip


async def test_an_auto_syncing_app_must_be_typed_to_confirm(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_adapter(app, pilot, "-tiktok")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30)
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        name = modal.plan.preview.confirm_with
        assert name and modal.query("#typed")
        await pilot.press("y")  # `y` alone is not a yes: it is a letter in the field
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and not records(audit)
        assert "type it exactly" in str(modal.query_one("#typed-hint").render())
        await pilot.press("backspace")
        for ch in name[:-1]:  # a name typed short is not the name
            await pilot.press(ch)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and not records(audit)
        await pilot.press(name[-1], "enter")
        await until(pilot, lambda: len(records(audit)) >= 1, timeout=30)
        await until(pilot, lambda: not app.service.actions.running(), timeout=60)
    start = records(audit)[0]
    assert start["phase"] == "start" and start["action"] == "undo"
    assert start["target"]["owner"] == "argocd"  # type: ignore[index]


async def test_quitting_with_a_restart_running_asks_then_interrupts_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    lease = lease_name("deployment", "openclaw-adapter-walmart")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await select_adapter(app, pilot, "-walmart")
            sandbox.kube.faults.latency = 0.4  # a slow API server: the rollout is still going
            await confirm_restart(app, pilot, audit)
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("n")  # stay: the action goes on
            assert not isinstance(app.screen, QuitScreen) and app.service.actions.running()
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, QuitScreen))
            started = time.monotonic()
            await pilot.press("y")
            while app.is_running and time.monotonic() - started < 10:
                await asyncio.sleep(0.05)
            took = time.monotonic() - started
    finally:
        sandbox.kube.faults.latency = 0.0
    assert took < 3.5, took
    start, end = records(audit)
    assert (start["phase"], end["phase"], end["outcome"]) == ("start", "end", "interrupted")
    assert lease not in kubectl(sandbox, "get", "leases", "-o", "name")
    [run] = app.service.actions.recent()
    assert run.status == "interrupted"
