"""A target marked `production = true` is confirmed only by typing its name, enforced by the
engine whoever asks (a key, a runbook step, the command line); the plan, every audit record
and the Event name the target, its context and its server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from oc_console.config import KubernetesConfig
from oc_console.runbook.engine import Plan
from oc_console.runbook.kube_event import note_of
from tests.unit.engine_fakes import Rig, rig

SERVER = "https://10.0.0.1:6443"  # FakeKube's


def production(tmp_path: Path, name: str | None = "eu-west") -> Rig:
    r = rig(tmp_path)
    kube = KubernetesConfig(namespaces=("openclaw",), name=name, production=True)
    r.engine.env.config = r.engine.env.config.model_copy(update={"kubernetes": kube})
    return r


@pytest.mark.parametrize(
    ("typed", "ok"),
    [("eu-west", True), (" eu-west\n", True), ("", False), ("y", False), ("eu", False),
     ("EU-WEST", False), ("ctx-test", False)],
)  # fmt: skip
async def test_a_production_target_needs_its_name_typed(
    tmp_path: Path, typed: str, ok: bool
) -> None:
    r = production(tmp_path)
    plan = await r.engine.prepare(r.action())
    assert isinstance(plan, Plan), plan
    assert plan.preview.confirm_with == "eu-west"
    result = await r.engine.run(plan, confirmed=True, typed=typed)
    assert result.status == ("done" if ok else "refused"), result.message
    if ok:
        assert r.calls.log.count("execute") == 1
    else:
        assert result.message == "not confirmed by naming eu-west, eu-west is a production target"
        assert "execute" not in r.calls.log and "audit start" not in r.calls.log
        assert r.phases() == [("refused", "declined")]


async def test_a_plain_yes_without_the_preview_asking_is_still_refused(tmp_path: Path) -> None:
    """A caller that drops the name from the plan's preview gets a plan the engine never
    issued: no path around the typed name."""
    r = production(tmp_path)
    plan = await r.engine.prepare(r.action())
    assert isinstance(plan, Plan)
    bare = dataclasses.replace(plan, preview=dataclasses.replace(plan.preview, confirm_with=None))
    result = await r.engine.run(bare, confirmed=True)
    assert (result.status, result.reason) == ("refused", "plan")
    assert "execute" not in r.calls.log


async def test_an_argo_app_and_production_ask_for_both(tmp_path: Path) -> None:
    r = production(tmp_path)
    action = r.action()
    action.confirm_with = "openclaw-adapter-a"
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    assert plan.preview.confirm_with == "eu-west/openclaw-adapter-a"
    half = await r.engine.run(plan, confirmed=True, typed="eu-west")
    assert half.status == "refused"
    again = await r.engine.prepare(action)
    assert isinstance(again, Plan)
    done = await r.engine.run(again, confirmed=True, typed="eu-west/openclaw-adapter-a")
    assert done.status == "done", done.message


async def test_a_single_unnamed_production_target_types_its_context(tmp_path: Path) -> None:
    r = production(tmp_path, name=None)
    plan = await r.engine.prepare(r.action())
    assert isinstance(plan, Plan)
    assert plan.preview.confirm_with == "ctx-test"
    assert plan.confirmation.endswith(f"on context ctx-test (server {SERVER}, production)?")


async def test_confirmation_audit_and_event_name_the_target(tmp_path: Path) -> None:
    r = production(tmp_path)
    plan = await r.engine.prepare(r.action())
    assert isinstance(plan, Plan)
    where = f"target eu-west (context ctx-test, server {SERVER}, production)"
    assert plan.confirmation.endswith(f" on {where}?")
    assert (await r.engine.run(plan, confirmed=True, typed="eu-west")).status == "done"
    for record in r.records():
        assert record["cluster"] == {"name": "eu-west", "context": "ctx-test",
                                     "server": SERVER, "production": True}  # fmt: skip
    note = note_of(plan.action, r.engine.env, {"outcome": "ok", "verification": "x" * 2000})
    assert note.endswith(f"; on {where}") and len(note) <= 1024


async def test_a_target_not_in_production_confirms_with_yes(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await r.engine.prepare(r.action())
    assert isinstance(plan, Plan)
    assert plan.preview.confirm_with is None
    assert plan.confirmation.endswith(f"on context ctx-test (server {SERVER})?")
    assert (await r.engine.run(plan, confirmed=True)).status == "done"


def test_a_targets_name_and_production_reach_its_config() -> None:
    from oc_console.config import Config, TargetConfig
    from oc_console.services.fleet_targets import target_config

    config = Config(targets=(TargetConfig(name="eu-west", context="eks-eu", production=True),))
    kube = target_config(config, config.targets[0], shared_store=False).kubernetes
    assert (kube.name, kube.context, kube.production) == ("eu-west", "eks-eu", True)
