"""run() accepts only a plan this engine's prepare() issued and that has not run, re-checks
read-only and scope itself, confirms only on an explicit yes, lets one action of this console
act on a target at a time, and ends an interrupted action before giving the Lease back."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from oc_console.config import KubernetesConfig
from oc_console.runbook.actions.base import Target
from oc_console.runbook.engine import Plan
from tests.unit.engine_fakes import Rig, rig


async def prepared(r: Rig, **params: Any) -> Plan:
    plan = await r.engine.prepare(r.action(**params))
    assert isinstance(plan, Plan), plan
    return plan


def nothing_done(r: Rig) -> None:
    assert not any(c in r.calls.log for c in ("execute", "lease POST", "audit start"))


async def test_a_plan_runs_once(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    assert (await r.engine.run(plan, confirmed=True)).status == "done"
    again = await r.engine.run(plan, confirmed=True)
    assert (again.status, again.reason) == ("refused", "plan")
    assert again.message == "this plan has already run; prepare the action again"
    assert r.calls.log.count("execute") == 1
    assert r.phases()[-1] == ("refused", "plan")


async def test_a_forged_plan_is_refused_and_audited(tmp_path: Path) -> None:
    r = rig(tmp_path)
    real = await prepared(r)
    for forged in (
        dataclasses.replace(real),  # the same id, not the plan issued
        Plan(real.action, real.preview, real.context, real.lease),
        Plan(real.action, real.preview, real.context, real.lease, "0" * 32),
    ):
        result = await r.engine.run(forged, confirmed=True)
        assert (result.status, result.reason) == ("refused", "plan"), result.message
        assert "not prepared by this console" in result.message
    nothing_done(r)
    assert r.phases() == [("refused", "plan")] * 3
    # the forgeries did not spend the real one
    assert (await r.engine.run(real, confirmed=True)).status == "done"


async def test_another_engines_plan_is_refused(tmp_path: Path) -> None:
    r = rig(tmp_path)
    other = rig(tmp_path / "other", kube=r.kube, calls=r.calls)
    plan = await other.engine.prepare(r.action())
    assert isinstance(plan, Plan)
    result = await r.engine.run(plan, confirmed=True)
    assert result.reason == "plan"
    nothing_done(r)


async def test_a_dry_run_plan_cannot_be_run(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await r.engine.prepare(r.action(), dry_run=True)
    assert isinstance(plan, Plan)
    assert (await r.engine.run(plan, confirmed=True)).reason == "plan"
    nothing_done(r)


async def test_an_action_changed_after_its_preview_is_refused(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    plan.action.target = Target("deployment", "adapter-b", "openclaw")
    result = await r.engine.run(plan, confirmed=True)
    assert result.reason == "plan" and "changed after its preview" in result.message
    nothing_done(r)


async def test_run_re_checks_read_only_and_scope(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    r.engine.read_only = True
    assert (await r.engine.run(plan, confirmed=True)).reason == "read-only"
    r.engine.read_only = False
    plan = await prepared(r)
    r.engine.env.config = r.engine.env.config.model_copy(
        update={"kubernetes": KubernetesConfig(namespaces=("payments",))}
    )
    result = await r.engine.run(plan, confirmed=True)
    assert result.reason == "scope" and result.message.startswith(
        "namespace openclaw is outside this console's scope (payments)"
    )
    nothing_done(r)


@pytest.mark.parametrize("answer", ["yes", "y", 1, "n", None, [True], object()])
async def test_only_true_confirms(tmp_path: Path, answer: Any) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    result = await r.engine.run(plan, confirmed=answer)
    assert (result.status, result.reason) == ("refused", "declined")
    nothing_done(r)


@pytest.mark.parametrize(
    ("typed", "ok"),
    [("openclaw-adapter-a", True), ("  openclaw-adapter-a\n", True), ("", False),
     ("xx openclaw-adapter-a", False), ("openclaw-adapter-a-old", False),
     ("OPENCLAW-ADAPTER-A", False), ("openclaw-adapter", False)],
)  # fmt: skip
async def test_a_typed_name_confirms_only_when_exact(tmp_path: Path, typed: str, ok: bool) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.confirm_with = "openclaw-adapter-a"
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    result = await r.engine.run(plan, confirmed=True, typed=typed)
    assert result.status == ("done" if ok else "refused"), result.message
    if not ok:
        assert result.message == (
            "not confirmed by naming openclaw-adapter-a, which would revert it"
        )
        nothing_done(r)


async def test_one_action_of_this_console_per_target(tmp_path: Path) -> None:
    r = rig(tmp_path)
    first_action = r.action()
    first_action.gate = asyncio.Event()
    first = await r.engine.prepare(first_action)
    second = await prepared(r)
    assert isinstance(first, Plan)
    running = asyncio.create_task(r.engine.run(first, confirmed=True))
    while "verify" not in r.calls.log:
        await asyncio.sleep(0)
    # the Lease says "ours" (this process's holder string): the engine still says no
    refused = await r.engine.run(second, confirmed=True)
    assert refused.reason == "lease" and "already acting under Lease" in refused.message
    peek = await r.engine.prepare(r.action())
    assert getattr(peek, "reason", "") == "lease"
    # nor another engine of this process (a second console object, same holder string)
    twin = rig(tmp_path / "twin", kube=r.kube, calls=r.calls)
    assert getattr(await twin.engine.prepare(r.action()), "reason", "") == "lease"
    first_action.gate.set()
    assert (await running).status == "done"
    assert r.calls.log.count("execute") == 1 and r.kube.leases == {}
    assert isinstance(await r.engine.prepare(r.action()), Plan)  # free again


async def test_interrupted_mid_verify_ends_the_record_then_gives_the_lease_back(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.gate = asyncio.Event()
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    running = asyncio.create_task(r.engine.run(plan, confirmed=True))
    while "verify" not in r.calls.log:
        await asyncio.sleep(0)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert r.calls.log[-3:] == ["verify", "audit end", "lease DELETE"]
    end = r.records()[-1]
    assert (end["outcome"], end["error"]) == (
        "interrupted",
        "interrupted after execute: verify not done",
    )
    assert r.kube.leases == {}


async def test_interrupted_mid_execute_says_the_change_may_still_land(tmp_path: Path) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.execute_gate = asyncio.Event()
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    running = asyncio.create_task(r.engine.run(plan, confirmed=True))
    while "execute" not in r.calls.log:
        await asyncio.sleep(0)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert r.calls.log[-3:] == ["execute", "audit end", "lease DELETE"]
    assert r.records()[-1]["error"] == "interrupted during execute: the change may still land"
