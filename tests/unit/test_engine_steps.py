"""The engine's sequence with a fake action: every step in its order, and each step's refusal
stopping everything after it, with one audit record and the Lease given back last.

    read-only -> scope -> RBAC -> Lease (peek) -> preview -> confirm -> Lease (take)
    -> re-check -> audit start -> execute -> verify -> audit end -> release
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from oc_console.runbook.actions.base import ActionFailed, Refused, Target
from oc_console.runbook.engine import Plan, Result
from oc_console.runbook.lease import lease_name
from tests.unit.engine_fakes import ME, Rig, rig

PREPARED = ["rbac patch deployments", "rbac create leases", "check", "lease GET", "preview"]
TAKEN = ["lease GET", "lease POST"]  # no Lease yet: created
LEASE = lease_name("deployment", "adapter-a")


async def prepared(r: Rig, **params: str) -> Plan:
    plan = await r.engine.prepare(r.action(**params))
    assert isinstance(plan, Plan), plan
    return plan


def hold(r: Rig, holder: str, seconds_ago: float = 10) -> None:
    at = datetime.now(UTC).timestamp() - seconds_ago
    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    r.kube.leases[LEASE] = {
        "metadata": {"name": LEASE, "namespace": "openclaw", "resourceVersion": "1"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 300,
                 "acquireTime": stamp, "renewTime": stamp},
    }  # fmt: skip


async def test_every_step_in_order_and_the_lease_given_back_last(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    assert r.calls.log == PREPARED
    result = await r.engine.run(plan, confirmed=True)
    assert result.status == "done", result.message
    assert result.message == "done it; verified: proved it"
    assert r.calls.log == [
        *PREPARED, *TAKEN, "re-check", "audit start", "execute", "verify", "audit end",
        "event POST", "lease DELETE",
    ]  # fmt: skip
    (event,) = r.kube.events  # on the target, after the end record, before the Lease goes
    assert (event["reason"], event["regarding"]["uid"]) == ("OcConsoleAction", "uid-adapter-a")
    start, end = r.records()
    assert start["holder"] == "alice@bastion (alice@openclaw.io) pid 100/aaaaaa"
    assert (start["phase"], end["phase"], end["outcome"]) == ("start", "end", "ok")
    assert r.kube.leases == {}


async def test_read_only_refuses_before_anything_is_asked(tmp_path: Path) -> None:
    r = rig(tmp_path, read_only=True, namespaces=("elsewhere",))  # read-only comes first
    result = await r.engine.prepare(r.action())
    assert isinstance(result, Result) and result.reason == "read-only"
    assert r.calls.log == ["audit refused"]


async def test_scope_refuses_before_rbac_with_one_line_naming_the_way_in(tmp_path: Path) -> None:
    r = rig(tmp_path)
    r.kube.denied.add(("patch", "deployments"))  # RBAC would refuse too: scope comes first
    action = r.action()
    action.target = Target("deployment", "coredns", "kube-system")
    result = await r.engine.prepare(action)
    assert isinstance(result, Result) and (result.status, result.reason) == ("refused", "scope")
    assert result.message == (
        "namespace kube-system is outside this console's scope (openclaw); "
        "add it with -n openclaw,kube-system or kubernetes.namespaces"
    )
    assert r.calls.log == ["audit refused"]
    [record] = r.records()
    assert (record["reason"], record["target"]["namespace"]) == ("scope", "kube-system")


async def test_a_target_without_namespace_is_not_namespace_scoped(tmp_path: Path) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.target = Target("order", "114-1", "")
    assert isinstance(await r.engine.prepare(action), Plan)
    assert r.calls.without("rbac") == ["check", "lease GET", "preview"]


async def test_rbac_denial_stops_before_the_check_and_the_preview(tmp_path: Path) -> None:
    r = rig(tmp_path)
    r.kube.denied.add(("create", "leases"))
    result = await r.engine.prepare(r.action())
    assert isinstance(result, Result) and result.reason == "rbac"
    assert result.message == (
        "RBAC denies create leases.coordination.k8s.io in namespace openclaw to alice@openclaw.io"
    )
    assert r.calls.log == ["rbac patch deployments", "rbac create leases", "audit refused"]


async def test_the_same_person_in_another_process_holds_the_lease(tmp_path: Path) -> None:
    r = rig(tmp_path)
    other = "alice@bastion (alice@openclaw.io) pid 200/bbbbbb"  # same user, other terminal
    hold(r, other, seconds_ago=60)
    result = await r.engine.prepare(r.action())
    assert isinstance(result, Result) and result.reason == "lease"
    # who, for how much longer, and since when (a slow machine may take a second)
    assert re.fullmatch(
        rf"lease held by {re.escape(other)} for another (4m00s|3m59s) \(taken 1m0[01]s ago\)",
        result.message,
    ), result.message
    assert "preview" not in r.calls.log and r.calls.log[-1] == "audit refused"
    [record] = r.records()
    assert record["message"] == result.message and record["reason"] == "lease"
    # the older holder string (the person, no process) is someone else too
    hold(r, ME.holder)
    again = await r.engine.prepare(r.action())
    assert isinstance(again, Result) and again.reason == "lease"


async def test_our_own_lease_string_is_ours(tmp_path: Path) -> None:
    r = rig(tmp_path)
    hold(r, ME.lease_holder)  # this very process, say after a release that did not land
    plan = await prepared(r)
    assert (await r.engine.run(plan, confirmed=True)).status == "done"


async def test_a_lease_taken_after_the_preview_is_refused_at_run(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    hold(r, "bob@bastion (bob@openclaw.io) pid 7/cccccc")
    result = await r.engine.run(plan, confirmed=True)
    assert result.reason == "lease" and result.message.startswith("lease held by bob@bastion")
    assert r.calls.log[len(PREPARED) :] == ["lease GET", "audit refused"]
    assert r.kube.leases[LEASE]["spec"]["holderIdentity"].startswith("bob@")  # not deleted


async def test_a_failed_preview_takes_no_lease(tmp_path: Path) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.fail["preview"] = ActionFailed("the dry run failed")
    result = await r.engine.prepare(action)
    assert isinstance(result, Result) and result.status == "failed"
    assert r.calls.log == [*PREPARED, "audit aborted"]
    assert r.kube.leases == {}


async def test_a_declined_confirmation_takes_no_lease(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    result = await r.engine.run(plan, confirmed=False)
    assert result.reason == "declined"
    assert r.calls.log == [*PREPARED, "audit refused"]


async def test_a_changed_target_is_refused_after_the_lease_and_gives_it_back(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    action = r.action()
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    action.version = "8"
    result = await r.engine.run(plan, confirmed=True)
    assert result.reason == "target-changed"
    assert r.calls.log[len(PREPARED) :] == [*TAKEN, "re-check", "audit refused", "lease DELETE"]
    assert r.kube.leases == {} and r.phases() == [("refused", "target-changed")]


async def test_a_failed_start_record_does_nothing_and_gives_the_lease_back(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    r.audit.fail = "start"
    result = await r.engine.run(plan, confirmed=True)
    assert result.status == "failed" and result.message.startswith("nothing done: audit start")
    assert r.calls.log[len(PREPARED) :] == [*TAKEN, "re-check", "lease DELETE"]


async def test_a_failed_execute_is_ended_before_the_lease_goes(tmp_path: Path) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.fail["execute"] = ActionFailed("the API server said no")
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    result = await r.engine.run(plan, confirmed=True)
    assert (result.status, result.message) == ("failed", "the API server said no")
    assert r.calls.log[-5:] == ["audit start", "execute", "audit end", "event POST",
                                "lease DELETE"]  # fmt: skip
    assert r.records()[-1]["outcome"] == "failed"


async def test_a_failed_verify_is_ended_before_the_lease_goes(tmp_path: Path) -> None:
    r = rig(tmp_path)
    action = r.action()
    action.fail["verify"] = Refused("target-changed", "someone else rolled it")
    plan = await r.engine.prepare(action)
    assert isinstance(plan, Plan)
    result = await r.engine.run(plan, confirmed=True)
    assert result.message == "done it; verification failed: someone else rolled it"
    assert r.calls.log[-6:] == ["audit start", "execute", "verify", "audit end", "event POST",
                                "lease DELETE"]  # fmt: skip
    assert r.records()[-1]["outcome"] == "refused"


async def test_a_failed_end_record_is_said_and_the_lease_still_goes_back(tmp_path: Path) -> None:
    r = rig(tmp_path)
    plan = await prepared(r)
    r.audit.fail = "end"
    result = await r.engine.run(plan, confirmed=True)
    assert (result.status, result.reason) == ("done", "audit")
    assert result.message.startswith("done it; audit end record failed: cannot write ")
    # the action happened: its Event is written even when its end record could not be
    assert r.calls.log[-5:] == ["audit start", "execute", "verify", "event POST", "lease DELETE"]
    assert r.kube.leases == {}
