"""Pure parts of the actions: kubectl's undo choice, rollout-status wording, parameter shapes,
Lease names, and the audit file itself."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path
from typing import Any

import pytest

from oc_console.runbook.actions.base import ActionFailed, Refused
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.actions.rollout import rollout_state
from oc_console.runbook.actions.undo import choose, undo_patch
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.identity import local_operator
from oc_console.runbook.lease import lease_name
from oc_console.runbook.templating import ParamError, check_value, substitute

REV = "deployment.kubernetes.io/revision"


def _rs(rev: int, uid: str = "d1", image: str = "a") -> dict[str, Any]:
    return {
        "metadata": {"name": f"rs{rev}", "annotations": {REV: str(rev), "team": f"t{rev}"},
                     "ownerReferences": [{"uid": uid}]},
        "spec": {"template": {"metadata": {"labels": {"app": "x", "pod-template-hash": f"h{rev}"}},
                              "spec": {"containers": [{"image": image}]}}},
    }  # fmt: skip


DEPLOY = {
    "metadata": {"name": "x", "uid": "d1", "resourceVersion": "7",
                 "annotations": {REV: "3", "team": "t3"}},
    "spec": {"template": {"metadata": {"labels": {"app": "x"}}}},
}  # fmt: skip


def test_undo_takes_the_previous_revision_of_its_own_replicasets() -> None:
    sets = [_rs(1), _rs(3), _rs(2), _rs(9, uid="other")]
    assert choose(DEPLOY, sets, 0)["metadata"]["name"] == "rs2"
    assert choose(DEPLOY, sets, 1)["metadata"]["name"] == "rs1"


def test_undo_refuses_without_history() -> None:
    with pytest.raises(Refused, match="no previous revision of deployment x"):
        choose(DEPLOY, [_rs(3)], 0)
    with pytest.raises(Refused, match="unable to find specified revision 9"):
        choose(DEPLOY, [_rs(1), _rs(3), _rs(9, uid="other")], 9)


def test_undo_patch_drops_the_hash_and_tests_the_version() -> None:
    test, template, annotations = undo_patch(DEPLOY, _rs(2))
    assert test == {"op": "test", "path": "/metadata/resourceVersion", "value": "7"}
    assert "pod-template-hash" not in template["value"]["metadata"]["labels"]
    # the revision annotation stays the Deployment's; the others come from the ReplicaSet
    assert annotations["value"] == {REV: "3", "team": "t2"}


def test_rollout_status_wording_follows_kubectl() -> None:
    d: dict[str, Any] = {"metadata": {"name": "x", "generation": 2},
                         "spec": {"replicas": 3}, "status": {"observedGeneration": 1}}  # fmt: skip
    assert rollout_state(d) == (False, "Waiting for deployment spec update to be observed...")
    d["status"] = {"observedGeneration": 2, "updatedReplicas": 1, "replicas": 4}
    assert "1 out of 3 new replicas have been updated" in rollout_state(d)[1]
    d["status"].update(updatedReplicas=3, replicas=4)
    assert "1 old replicas are pending termination" in rollout_state(d)[1]
    d["status"].update(replicas=3, availableReplicas=2, readyReplicas=3)
    assert "2 of 3 updated replicas are available" in rollout_state(d)[1]
    d["status"].update(availableReplicas=3)
    assert rollout_state(d) == (True, 'deployment "x" successfully rolled out')
    d["status"]["conditions"] = [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]
    with pytest.raises(ActionFailed, match="exceeded its progress deadline"):
        rollout_state(d)


@pytest.mark.parametrize(
    "value", ["a;rm -rf /", "{namespace}", "$(id)", "a`b`", "a|b", "x\ny", "a b", "'q'"]
)
def test_metacharacters_are_refused(value: str) -> None:
    with pytest.raises(ParamError, match="metacharacters"):
        check_value("deployment", value)


def test_values_have_their_shape_and_substitution_is_plain() -> None:
    with pytest.raises(ParamError, match="is not a backend pid"):
        check_value("pid", "12a")
    assert check_value("order_id", "114-3941689-8772232") == "114-3941689-8772232"
    assert substitute("kubectl -n {namespace} get deploy/{deployment}",
                      {"namespace": "openclaw", "deployment": "x"}) == (
        "kubectl -n openclaw get deploy/x")  # fmt: skip
    with pytest.raises(ParamError, match="parameter pid is used but has no value"):
        substitute("{pid}", {})


def test_make_action_validates_every_parameter() -> None:
    with pytest.raises(ActionFailed, match="restart needs parameter deployment"):
        make_action("restart", {}, "openclaw")
    with pytest.raises(ActionFailed, match="metacharacters"):
        make_action("restart", {"deployment": "x;reboot"}, "openclaw")
    action = make_action("terminate", {"pid": "42", "application_name": "openclaw-adapter-a"})
    assert action.target.label == "backend/42" and action.target.namespace == ""


def test_lease_names_are_dns_names() -> None:
    assert lease_name("deployment", "openclaw-adapter-amazon") == (
        "oc-console-deployment-openclaw-adapter-amazon"
    )
    long = lease_name("order", "A" * 120)
    assert len(long) <= 63 and long == long.lower()


def test_audit_directory_is_private_and_user_is_the_real_uid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    log = AuditLog(tmp_path / "state" / "oc-console" / "audit.jsonl")
    log.append({"at": "2026-01-01T00:00:00+00:00", "phase": "start", "id": "1"})
    assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert local_operator().user == pwd.getpwuid(os.getuid()).pw_name != "mallory"


def test_unfinished_actions_and_torn_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    at = "2026-01-01T00:00:00+00:00"
    for record in ({"id": "a", "phase": "start"}, {"id": "a", "phase": "end"},
                   {"id": "b", "phase": "start"}, {"id": "c", "phase": "refused"}):  # fmt: skip
        log.append({**record, "at": at})
    with log.path.open("ab") as handle:
        handle.write(b'{"id": "d", "pha')  # the process died mid-write
    reading = log.read()
    assert [r["id"] for r in reading.unfinished()] == ["b"]
    assert reading.unreadable == 1


def test_webhook_key_encoded_twice_is_told_apart_from_one_encoded_once() -> None:
    import asyncio
    import base64

    from oc_console.config import Config
    from oc_console.runbook.actions.base import ActionEnv
    from oc_console.runbook.check_context import CheckContext
    from oc_console.runbook.checks_webhook import webhook_secret
    from oc_console.runbook.identity import local_operator

    key = "whsec_7f3a9c1e5b2d4f6a8c0e1b3d5f"

    class _Env(ActionEnv):
        stored = ""

        async def kcall(self, method: str, path: str, **kwargs: Any) -> Any:
            return {"data": {"TIKTOK_WEBHOOK_SECRET": self.stored}}

    def judge(stored_value: bytes) -> Any:
        env = _Env(Config(), local_operator(), "ctx")
        env.stored = base64.b64encode(stored_value).decode()
        ctx = CheckContext(facts=None, env=env)  # type: ignore[arg-type]
        args = {"namespace": "openclaw", "secret": "s", "deployment": "openclaw-adapter-tiktok"}
        return asyncio.run(webhook_secret(ctx, args))

    twice = judge(base64.b64encode(key.encode()))
    assert twice.verdict == "problem" and "encoded twice" in twice.summary
    once = judge(key.encode())
    assert once.verdict == "ok"
    hexkey = judge(b"0123456789abcdef0123456789abcdef")  # valid base64 alphabet, not text twice
    assert hexkey.verdict == "ok"
    for result in (twice, once):
        assert key not in " ".join([result.summary, *result.lines])


def test_replay_key_is_the_order_and_its_attempt_only() -> None:
    """Two operators replaying the same failed attempt send the same key (the API replays
    once); a replay after a new failed attempt is a new key."""
    import inspect

    from oc_console.runbook.actions.replay import idempotency_key

    assert list(inspect.signature(idempotency_key).parameters) == ["order_id", "attempt"]
    key = idempotency_key("114-3941689-8772232", 5)
    assert key == idempotency_key("114-3941689-8772232", 5)
    assert key != idempotency_key("114-3941689-8772232", 6)
    assert key != idempotency_key("114-3941689-8772233", 5)


def test_every_console_process_holds_leases_under_its_own_name() -> None:
    import subprocess
    import sys

    from oc_console.runbook.identity import Operator

    me = local_operator("oncall@openclaw.io")
    assert me.lease_holder.startswith(f"{me.holder} pid {os.getpid()}/")
    assert me.lease_holder == local_operator("oncall@openclaw.io").lease_holder  # stable
    other = subprocess.run(
        [sys.executable, "-c", "from oc_console.runbook.identity import local_operator as o; "
         "print(o('oncall@openclaw.io').lease_holder)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert other.startswith(f"{me.holder} pid ") and other != me.lease_holder
    # the person (the audit log, a silence's createdBy) stays the person
    assert Operator("alice", "bastion", "alice@x").holder == "alice@bastion (alice@x)"
