"""The runbook screen and the action keys, driven by Pilot on the sandbox: `b` on the OOM
finding walks adapter-oomkilled to a verified, audited restart; pool-exhaustion terminates the
leaked sessions, restarts their owner and sees the count drop; read-only binds no action key;
a console killed mid-action is announced at the next start."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.confirm import ConfirmScreen
from oc_console.screens.runbook import RunbookScreen
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.kubectl import kubectl
from tests.ui.pilot_helpers import pick, until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(parse_scenarios("oom,pool,webhook"), Path(tmp_path_factory.mktemp("rb-ui")),
                 use_prometheus=False)  # fmt: skip
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def app_on(sandbox: Sandbox, audit: Path, **extra: object) -> ConsoleApp:
    config = load_config(flags={**sandbox.flags(), **extra}, environ={})
    return make_app(Console(config, audit=AuditLog(audit)))


def records(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def _asking(app: ConsoleApp) -> bool:
    """A confirmation is on screen and composed."""
    return isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("#question"))


def _runbook_screen(app: ConsoleApp) -> RunbookScreen | None:
    return next((s for s in app.screen_stack if isinstance(s, RunbookScreen)), None)


def _gate_open(screen: RunbookScreen) -> bool:
    """The pinned line waits for the operator ("next: …" or "done? (y/n)")."""
    return screen.check_action("answer", (True,)) is True


async def walk(
    app: ConsoleApp, pilot: Pilot[None], confirmations: int
) -> tuple[RunbookScreen, list[str]]:
    """At each action step, `enter` on the pinned "next:" line, then `y` to the confirmation;
    the questions asked, and the screen once finished."""
    await until(pilot, lambda: _runbook_screen(app) is not None)
    screen = _runbook_screen(app)
    assert screen is not None
    questions = []
    for _ in range(confirmations):
        await until(pilot, lambda: _gate_open(screen), timeout=60)
        assert screen.status_text.startswith("next: ") and not _asking(app)
        await pilot.press("enter")
        await until(pilot, lambda: _asking(app), timeout=60)
        asking = app.screen
        assert isinstance(asking, ConfirmScreen)
        # every target of the step is in the one confirmation, not the first preview only
        targets = 1 + len(asking.others)
        questions.append(
            f"{targets} targets: " + str(asking.query_one("#question", Static).render())
        )
        await pilot.press("y")
    await until(pilot, lambda: screen.finished, timeout=120)
    return screen, questions


async def test_b_on_the_oom_finding_walks_to_a_verified_restart(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        findings = app.screen.query_one("#findings", RowTable)
        await until(
            pilot, lambda: any(r.key.startswith("adapter-oomkilled:") for r in findings.rows)
        )
        pick(findings, lambda r: r.key.startswith("adapter-oomkilled:"))
        await pilot.press("b")
        screen, confirm_seen = await walk(app, pilot, confirmations=1)
    assert "rollout restart deployment/openclaw-adapter-amazon in namespace openclaw on " \
           "context openclaw-sandbox (server https://127.0.0.1:" in confirm_seen[0]  # fmt: skip
    statuses = [(o.kind, o.status) for o in screen.outcomes]
    assert statuses == [("check", "problem"), ("note", "shown"), ("action", "done"),
                        ("wait", "ok")]  # fmt: skip
    assert "OOMKilled" in screen.outcomes[0].summary
    assert re.fullmatch(r"done: 4/4 ok in \d+\.\d s · audited", screen.status_text)
    assert [(r["action"], r["phase"], r.get("outcome")) for r in records(audit)] == [
        ("restart", "start", None), ("restart", "end", "ok")]  # fmt: skip
    deploy = orjson.loads(kubectl(sandbox, "get", "deploy/openclaw-adapter-amazon", "-o", "json"))
    assert (
        "kubectl.kubernetes.io/restartedAt" in deploy["spec"]["template"]["metadata"]["annotations"]
    )


async def test_pool_exhaustion_terminates_restarts_and_sees_the_drop(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(
            pilot, lambda: bool(app.snapshot and app.snapshot.database and app.snapshot.fleet)
        )
        pool = app.snapshot.database  # type: ignore[union-attr]
        assert pool.idle_in_transaction_count >= 100
        book = app.service.runbooks()["pool-exhaustion"]
        # minutes=0: the scenario's sessions are only seconds old
        await app.push_screen(RunbookScreen(book, {"application_name": "openclaw-adapter-amazon",
                                                   "minutes": "0"}))  # fmt: skip
        screen, asked = await walk(app, pilot, confirmations=2)
    statuses = [(o.kind, o.status) for o in screen.outcomes]
    assert statuses == [("check", "problem"), ("check", "problem"), ("note", "shown"),
                        ("action", "done"), ("action", "done"), ("wait", "ok")], \
        [o.summary for o in screen.outcomes]  # fmt: skip
    assert "belong to deployment openclaw/openclaw-adapter-amazon" in screen.outcomes[0].summary
    sessions = int(screen.outcomes[1].summary.split()[0])
    assert asked[0].startswith(f"{sessions} targets: terminate backend")
    assert asked[1].startswith("1 targets: rollout restart deployment/openclaw-adapter-amazon")
    ended = [r for r in records(audit) if r["phase"] == "end"]
    terminated = [r for r in ended if r["action"] == "terminate"]
    assert len(terminated) >= 100 and all(r["outcome"] == "ok" for r in terminated)
    assert [r["action"] for r in ended][-1] == "restart"


async def test_read_only_binds_no_action_key(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_on(sandbox, tmp_path / "audit.jsonl", read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        await pilot.press("3")
        await pilot.pause()
        keys = {b.key for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}
        assert not keys & {"r", "u", "s"}
        assert "read-only" in str(app.screen.query_one("#read-only").render())
        await pilot.press("r")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
    assert not (tmp_path / "audit.jsonl").exists()


async def test_an_unfinished_action_is_announced_at_start(sandbox: Sandbox, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    target = {"kind": "deployment", "name": "openclaw-adapter-amazon"}
    AuditLog(audit).append({"id": "x1", "phase": "start", "at": "2026-01-01T03:00:00+00:00",
                            "user": "alice", "action": "restart", "target": target})  # fmt: skip
    app = app_on(sandbox, audit)
    notes: list[str] = []
    shown = app.notify
    app.notify = lambda message, **kw: (notes.append(message), shown(message, **kw))[1]  # type: ignore[method-assign,func-returns-value]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.unfinished))
        await pilot.pause()
        assert any("restart deployment/openclaw-adapter-amazon" in m and "never finished" in m
                   for m in notes)  # fmt: skip


async def test_a_declined_step_stops_the_walk_and_stays_on_screen(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        book = app.service.runbooks()["adapter-oomkilled"]
        await app.push_screen(RunbookScreen(book, {"deployment": "openclaw-adapter-walmart"}))
        screen = _runbook_screen(app)
        assert screen is not None
        await until(pilot, lambda: _gate_open(screen), timeout=60)
        await pilot.press("enter")
        await until(pilot, lambda: _asking(app), timeout=60)
        await pilot.press("n")
        await until(pilot, lambda: screen.finished)
        await pilot.pause()
        shown = str(screen.query_one("#step-2", Static).render())
        not_run = str(screen.query_one("#step-3", Static).render())
        status = screen.query_one("#runbook-status", Static)
        pinned = status.region
    assert [(o.kind, o.status) for o in screen.outcomes][-1] == ("action", "refused")
    assert "declined" in shown and "[refused]" in shown
    # the step a stop left out says so, with its parameters filled in
    assert "4. Rollout of openclaw-adapter-walmart complete  [not run]" in not_run
    assert screen.status_text == "stopped at 3: declined"
    # pinned under the steps, in view at 80x24 without scrolling
    assert pinned.height >= 1 and pinned.y + pinned.height <= 24 - 1
    assert [(r["phase"], r["reason"]) for r in records(audit)] == [("refused", "declined")]


async def test_the_walk_shows_checks_and_notes_before_it_asks(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        book = app.service.runbooks()["adapter-oomkilled"]
        await app.push_screen(RunbookScreen(book, {"deployment": "openclaw-adapter-walmart"}))
        screen = _runbook_screen(app)
        assert screen is not None
        await until(pilot, lambda: _gate_open(screen), timeout=60)
        await pilot.pause(0.3)
        # no confirmation over the steps: the check's result and the note are readable
        assert app.screen is screen and not _asking(app)
        first = str(screen.query_one("#step-0", Static).render())
        assert "[ok]" in first and "working set at most" in first
        assert screen.status_text == (
            "next: Restart openclaw-adapter-walmart — enter to preview · n to stop here"
        )
        await pilot.press("n")
        await until(pilot, lambda: screen.finished)
        await pilot.pause()
        last = str(screen.query_one("#step-3", Static).render())
    assert screen.status_text == "stopped at 3: not previewed"
    assert "Rollout of openclaw-adapter-walmart complete  [not run]" in last
    assert not audit.exists()  # nothing was prepared, so nothing to refuse


async def test_the_webhook_runbook_stops_before_its_rewrite_on_no(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        book = app.service.runbooks()["webhook-signature-mismatch"]
        await app.push_screen(RunbookScreen(book, {"deployment": "openclaw-adapter-tiktok"}))
        screen = _runbook_screen(app)
        assert screen is not None
        await until(pilot, lambda: _gate_open(screen), timeout=60)
        asked = screen.status_text
        await pilot.press("n")
        await until(pilot, lambda: screen.finished)
        await pilot.pause()
        restart = str(screen.query_one("#step-6", Static).render())
    assert screen.outcomes[0].status == "problem"  # the webhook scenario encodes it twice
    assert asked.startswith("next: Rewrite a twice-encoded key in a plain Secret")
    assert screen.status_text == "stopped at 2: not previewed"
    assert "7. Restart openclaw-adapter-tiktok to load the fixed secret  [not run]" in restart
    assert not audit.exists()


async def test_read_only_refuses_the_runbook_action_and_audits_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        book = app.service.runbooks()["adapter-oomkilled"]
        await app.push_screen(RunbookScreen(book, {"deployment": "openclaw-adapter-walmart"}))
        screen = _runbook_screen(app)
        assert screen is not None
        await until(pilot, lambda: _gate_open(screen), timeout=60)
        await pilot.press("enter")
        await until(pilot, lambda: screen.finished, timeout=60)
    assert [(o.kind, o.status) for o in screen.outcomes] == [
        ("check", "ok"), ("note", "shown"), ("action", "refused")]  # fmt: skip
    assert "read-only" in screen.outcomes[-1].summary
    assert [(r["phase"], r["reason"]) for r in records(audit)] == [("refused", "read-only")]


async def test_k_terminates_the_highlighted_session(sandbox: Sandbox, tmp_path: Path) -> None:
    import asyncpg

    app_name = {"application_name": "openclaw-adapter-coupang"}
    leaked = await asyncpg.connect(sandbox.database.adapter_dsn, server_settings=app_name)
    await leaked.execute("BEGIN")
    await leaked.fetchval("SELECT 1")
    pid = leaked.get_server_pid()
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")
            idle = app.screen.query_one("#idle", RowTable)
            await until(pilot, lambda: any(r.key == str(pid) for r in idle.rows))
            pick(idle, lambda r: r.key == str(pid))
            await pilot.press("k")
            await until(pilot, lambda: _asking(app), timeout=30)
            question = str(app.screen.query_one("#question", Static).render())
            await pilot.press("y")
            await until(pilot, lambda: len(records(audit)) == 2, timeout=30)
    finally:
        leaked.terminate()
    assert f"terminate backend {pid} on context" in question
    start, end = records(audit)
    assert start["target"]["application_name"] == "openclaw-adapter-coupang"  # type: ignore[index]
    assert end["outcome"] == "ok" and f"session {pid} is gone" in str(end["verification"])


async def test_r_on_an_adapter_restarts_it(sandbox: Sandbox, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    app = app_on(sandbox, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        await pilot.press("3")
        adapters = app.screen.query_one("#adapters", RowTable)
        await until(pilot, lambda: len(adapters.rows) == 7)
        pick(adapters, lambda r: r.key.endswith("-lazada"))
        await pilot.press("r")
        await until(pilot, lambda: _asking(app), timeout=30)
        await pilot.press("y")
        await until(pilot, lambda: len(records(audit)) == 2, timeout=60)
    start, end = records(audit)
    assert start["target"]["name"] == "openclaw-adapter-lazada"  # type: ignore[index]
    assert end["outcome"] == "ok" and "successfully rolled out" in str(end["verification"])
