"""The service's action registry (with a runner of our own standing in for the engine), what
counts as a yes, and what the scale prompt says."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from oc_console.config import ADAPTER_PATTERN
from oc_console.domain.kube import AdapterHealth, FleetSnapshot, HpaStatus
from oc_console.runbook.actions.base import Preview, Progress
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.engine import Plan, Result
from oc_console.screens.actions import explicit_yes, outcome_note, scale_question
from oc_console.services.action_service import ActionRun, ActionService, short_name


def plan(name: str = "openclaw-adapter-amazon", confirm_with: str | None = None) -> Plan:
    action = make_action("restart", {"deployment": name}, "openclaw")
    preview = Preview("restart it", "diff", "1", confirm_with=confirm_with)
    return Plan(action, preview, "ctx", "Lease openclaw/x")


class Engine:
    """Stands in for Engine.run: holds each run until released, as a rollout would."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.cancelled = 0

    async def run(
        self, plan: Plan, *, confirmed: bool, typed: str = "", progress: Progress | None = None
    ) -> Result:
        if not confirmed:
            return Result("refused", "declined at confirmation", "declined")
        assert progress is not None
        progress("waiting for rollout: 1 of 3 updated\nsecond line")
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return Result("done", "restarted; verified: successfully rolled out")


async def test_an_action_runs_as_the_services_task_and_ends_in_recent() -> None:
    engine = Engine()
    service = ActionService(engine.run, ADAPTER_PATTERN)
    seen: list[tuple[str, str]] = []
    service.subscribe(lambda r: seen.append((r.status, r.progress)))
    run = service.start(plan(), confirmed=True, origin="AdapterScreen")
    await asyncio.sleep(0)
    assert service.running() == [run] and run.title == "restart amazon"
    assert run.progress == "waiting for rollout: 1 of 3 updated"  # one line
    engine.release.set()
    await service.wait(run, timeout=2)
    assert service.running() == [] and service.recent() == [run]
    assert (run.status, run.outcome, run.message) == (
        "done", "done", "restarted; verified: successfully rolled out")  # fmt: skip
    assert seen[0] == ("running", "") and seen[-1] == ("done", "")
    assert service.last_from("AdapterScreen") is run and service.last_from("Other") is None


async def test_a_no_is_run_too_so_the_engine_audits_it_and_reads_declined() -> None:
    service = ActionService(Engine().run, ADAPTER_PATTERN)
    run = await service.wait(service.start(plan(), confirmed=False), timeout=2)
    assert (run.status, run.outcome) == ("refused", "declined")
    assert outcome_note(run) == "restart amazon: declined"


async def test_interrupt_cancels_running_actions_within_the_bound() -> None:
    engine = Engine()
    service = ActionService(engine.run, ADAPTER_PATTERN)
    runs = [service.start(plan(n), confirmed=True) for n in ("a", "openclaw-adapter-tiktok")]
    await asyncio.sleep(0)
    assert await service.interrupt(grace=1.0) == []
    assert engine.cancelled == 2
    assert [r.status for r in runs] == ["interrupted", "interrupted"]
    assert [r.short for r in service.recent()] == ["tiktok", "a"]


async def test_a_broken_listener_never_breaks_the_action() -> None:
    engine = Engine()
    service = ActionService(engine.run, ADAPTER_PATTERN)

    def broken(_: ActionRun) -> None:
        raise RuntimeError("view gone")

    service.subscribe(broken)
    run = service.start(plan(), confirmed=True)
    engine.release.set()
    await service.wait(run, timeout=2)
    assert run.status == "done"


async def test_a_refusal_before_the_confirmation_is_listed_with_its_reason() -> None:
    service = ActionService(Engine().run, ADAPTER_PATTERN)
    why = "RBAC denies patch deployments.apps openclaw-adapter-amazon in namespace openclaw to bob"
    run = service.refused("restart", "openclaw-adapter-amazon", Result("refused", why, "rbac"))
    assert service.recent() == [run] and run.message == why
    note = outcome_note(run)
    assert note.startswith("restart amazon: refused: RBAC denies") and len(note) <= 72


def test_short_names() -> None:
    assert short_name("openclaw-adapter-amazon", ADAPTER_PATTERN) == "amazon"
    assert short_name("backend-4242", ADAPTER_PATTERN) == "backend-4242"


def test_only_true_or_the_exact_name_is_a_yes() -> None:
    plain, named = plan(), plan(confirm_with="openclaw-adapters")
    assert explicit_yes(plain, True) == (True, "")
    for answer in (False, None, "", "yes", "y", 1):
        assert explicit_yes(plain, answer)[0] is False, answer
    assert explicit_yes(named, "openclaw-adapters") == (True, "openclaw-adapters")
    for answer in (True, "yes", "openclaw-adapter", "openclaw-adapters ", None):
        assert explicit_yes(named, answer)[0] is False, answer


def _adapter(hpa: HpaStatus | None) -> AdapterHealth:
    return AdapterHealth(
        platform="amazon", namespace="openclaw", name="openclaw-adapter-amazon", desired=3,
        current=3, ready=2, updated=3, available=2, rollout="complete", rollout_message="",
        paused=False, images=(), revision=1, selector=(), created=datetime.now(UTC), hpa=hpa,
    )  # fmt: skip


def test_the_scale_prompt_shows_replicas_and_the_hpa_that_would_undo_it() -> None:
    hpa = HpaStatus("openclaw-adapter-amazon", 2, 6, 3, 3)
    fleet = FleetSnapshot("ctx", ("openclaw",), (_adapter(hpa),), (), (), ())
    text = scale_question(fleet, "openclaw", "openclaw-adapter-amazon")
    assert "replicas now: 3 (2 ready)" in text
    assert "HPA openclaw-adapter-amazon keeps it between 2 and 6" in text
    assert "will override a manual scale" in text
    bare = replace(fleet, adapters=(_adapter(None),))
    assert "no HorizontalPodAutoscaler" in scale_question(
        bare, "openclaw", "openclaw-adapter-amazon"
    )
    assert "unknown" in scale_question(None, "openclaw", "openclaw-adapter-amazon")


async def test_closing_the_console_interrupts_what_still_runs() -> None:
    """A dropped terminal or a signal closes the console: the action ends, it is not left."""
    from oc_console.config import Config
    from oc_console.services.console import Console

    console = Console(Config())
    engine = Engine()
    console.actions = ActionService(engine.run, ADAPTER_PATTERN)
    run = console.actions.start(plan(), confirmed=True)
    await asyncio.sleep(0)
    await console.close(grace=1.0)
    assert run.status == "interrupted" and engine.cancelled == 1


async def test_a_second_action_on_a_running_target_is_refused_here() -> None:
    engine = Engine()
    service = ActionService(engine.run, ADAPTER_PATTERN)
    first = service.start(plan(), confirmed=True)
    await asyncio.sleep(0)
    second = service.start(plan(), confirmed=True)
    assert (second.status, second.reason) == ("refused", "busy")
    assert "restart amazon is still running" in second.message
    assert service.running() == [first]
    other = service.start(plan("openclaw-adapter-tiktok"), confirmed=True)
    assert other.running
    engine.release.set()
    await service.wait(first, timeout=2)
    await service.wait(other, timeout=2)
