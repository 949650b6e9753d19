"""Refusals write nothing but their own audit record: read-only, RBAC denied, a Lease held by
another identity, the target changed between preview and execute, a declined confirmation.
And the audit trail itself: a dry run is one record, a failed end record is said exactly."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
import yaml
from action_fixtures import console_for, records
from kube_fixtures import Kubectl, reset_faults

from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.audit import AuditError, AuditLog
from oc_console.runbook.engine import Plan, Result
from oc_console.runbook.lease import lease_name
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
APP = "openclaw-adapter-tiktok"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


@pytest.fixture(scope="module")
def kubectl(action_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(action_sandbox.kube.kubeconfig_path, tmp_path_factory.mktemp("home"))


@pytest.fixture
async def console(action_sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Console]:
    c = console_for(action_sandbox, tmp_path / "audit.jsonl")
    try:
        yield c
    finally:
        await c.close()
        reset_faults(action_sandbox.kube)


def live(kubectl: Kubectl) -> dict[str, Any]:
    deploy: dict[str, Any] = kubectl.json("get", f"deploy/{APP}")
    return deploy


def untouched(kubectl: Kubectl, before: dict[str, Any]) -> None:
    after = live(kubectl)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert RESTARTED_AT not in (after["spec"]["template"]["metadata"].get("annotations") or {})
    ours = [i for i in kubectl.json("get", "leases")["items"]
            if i["metadata"]["name"].startswith("oc-console-")]  # fmt: skip
    assert not ours


def only_refusal(console: Console, reason: str) -> dict[str, Any]:
    [record] = records(console.audit.path)
    assert (record["phase"], record["reason"]) == ("refused", reason)
    assert record["target"]["name"] == APP and record["action"] == "restart"
    return record


async def test_read_only_is_refused_in_the_action_layer(
    action_sandbox: Sandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    before = live(kubectl)
    console = console_for(action_sandbox, tmp_path / "audit.jsonl", read_only=True)
    try:
        result = await console.prepare_action("restart", {"deployment": APP})
    finally:
        await console.close()
    assert isinstance(result, Result) and result.status == "refused"
    assert "read-only" in result.message
    untouched(kubectl, before)
    only_refusal(console, "read-only")


async def test_rbac_denied_is_refused_before_the_preview(
    console: Console, action_sandbox: Sandbox, kubectl: Kubectl
) -> None:
    before = live(kubectl)
    action_sandbox.kube.faults.deny("patch", "deployments")
    result = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(result, Result) and result.reason == "rbac"
    assert result.message == (
        f"RBAC denies patch deployments.apps {APP} in namespace openclaw to oncall@openclaw.io"
    )
    reset_faults(action_sandbox.kube)
    untouched(kubectl, before)
    only_refusal(console, "rbac")


async def test_a_lease_held_by_someone_else_names_them(
    console: Console, kubectl: Kubectl, tmp_path: Path
) -> None:
    before = live(kubectl)
    name = lease_name("deployment", APP)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    manifest = tmp_path / "lease.yaml"
    manifest.write_text(yaml.safe_dump({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": "openclaw"},
        "spec": {"holderIdentity": "alice@bastion-2 (alice@openclaw.io)",
                 "leaseDurationSeconds": 300, "acquireTime": now, "renewTime": now},
    }))  # fmt: skip
    kubectl.run("-n", "openclaw", "create", "--validate=false", "-f", str(manifest))
    try:
        result = await console.prepare_action("restart", {"deployment": APP})
        assert isinstance(result, Result) and result.reason == "lease"
        assert result.message.startswith("lease held by alice@bastion-2 (alice@openclaw.io) ")
        assert "for another 4m5" in result.message or "for another 5m00s" in result.message
        assert live(kubectl)["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        only_refusal(console, "lease")
    finally:
        kubectl.run("-n", "openclaw", "delete", "lease", name)


async def test_target_changed_between_preview_and_execute(
    console: Console, kubectl: Kubectl
) -> None:
    plan = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(plan, Plan)
    assert RESTARTED_AT in plan.preview.detail  # the server's dry-run diff
    kubectl.run("-n", "openclaw", "annotate", f"deploy/{APP}", "note=someone-else")
    before = live(kubectl)
    result = await console.run_action(plan, confirmed=True)
    assert result.status == "refused" and result.reason == "target-changed"
    untouched(kubectl, before)
    only_refusal(console, "target-changed")


async def test_declined_confirmation_writes_only_its_record(
    console: Console, kubectl: Kubectl
) -> None:
    before = live(kubectl)
    plan = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(plan, Plan)
    server = kubectl.run("config", "view", "--minify", "-o",
                         "jsonpath={.clusters[0].cluster.server}").stdout  # fmt: skip
    assert server.startswith("https://")
    assert plan.confirmation == (
        f"rollout restart deployment/{APP} in namespace openclaw on context openclaw-sandbox "
        f"(server {server})?"
    )
    result = await console.run_action(plan, confirmed=False)
    assert result.status == "refused" and result.reason == "declined"
    untouched(kubectl, before)
    record = only_refusal(console, "declined")
    assert record["target"]["namespace"] == "openclaw"


async def test_dry_run_writes_only_the_audit_record(console: Console, kubectl: Kubectl) -> None:
    before = live(kubectl)
    engine = await console.engine()
    result = await engine.dry_run(make_action("restart", {"deployment": APP}, "openclaw"))
    assert result.status == "dry-run" and RESTARTED_AT in (result.preview.detail or "")  # type: ignore[union-attr]
    untouched(kubectl, before)
    [record] = records(console.audit.path)
    assert record["phase"] == "dry-run" and RESTARTED_AT in record["preview"]


class _EndFails(AuditLog):
    def append(self, record: dict[str, Any]) -> None:
        if record.get("phase") == "end":
            raise AuditError(f"cannot write {self.path}: No space left on device")
        super().append(record)


async def test_a_failed_end_record_says_the_action_was_done(
    action_sandbox: Sandbox, tmp_path: Path
) -> None:
    console = console_for(action_sandbox, tmp_path / "audit.jsonl")
    console.audit = _EndFails(tmp_path / "audit.jsonl")
    leaked = await asyncpg.connect(action_sandbox.database.adapter_dsn)
    await leaked.execute("BEGIN")
    try:
        plan = await console.prepare_action("terminate", {"pid": str(leaked.get_server_pid())})
        assert isinstance(plan, Plan), plan
        result = await console.run_action(plan, confirmed=True)
    finally:
        leaked.terminate()
        await console.close()
    assert result.message.startswith("terminated; audit end record failed: cannot write ")
    assert result.status == "done"
    [start] = records(tmp_path / "audit.jsonl")
    assert start["phase"] == "start"  # the start made it: the next start shows it unfinished
    assert AuditLog(tmp_path / "audit.jsonl").read().unfinished() == [start]


async def test_read_only_still_allows_a_dry_run(
    action_sandbox: Sandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    before = live(kubectl)
    console = console_for(action_sandbox, tmp_path / "audit.jsonl", read_only=True)
    try:
        engine = await console.engine()
        result = await engine.dry_run(make_action("restart", {"deployment": APP}, "openclaw"))
    finally:
        await console.close()
    assert result.status == "dry-run", result.message
    untouched(kubectl, before)
    assert [r["phase"] for r in records(console.audit.path)] == ["dry-run"]


async def test_no_right_to_take_the_lease_is_refused_up_front(
    console: Console, action_sandbox: Sandbox, kubectl: Kubectl
) -> None:
    before = live(kubectl)
    action_sandbox.kube.faults.deny("create", "leases")
    result = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(result, Result) and result.reason == "rbac"
    assert result.message == (
        "RBAC denies create leases.coordination.k8s.io in namespace openclaw to oncall@openclaw.io"
    )
    reset_faults(action_sandbox.kube)
    untouched(kubectl, before)
    only_refusal(console, "rbac")


async def test_a_namespace_outside_the_scope_is_refused(
    console: Console, kubectl: Kubectl, action_sandbox: Sandbox
) -> None:
    # `runbook run adapter-oomkilled --param namespace=kube-system --param deployment=coredns`
    # with -n openclaw: RBAC would allow it here; the engine must not
    before = live(kubectl)
    result = await console.prepare_action(
        "restart", {"namespace": "kube-system", "deployment": "coredns"}
    )
    assert isinstance(result, Result) and (result.status, result.reason) == ("refused", "scope")
    assert result.message == (
        "namespace kube-system is outside this console's scope (openclaw); "
        "add it with -n openclaw,kube-system or kubernetes.namespaces"
    )
    untouched(kubectl, before)
    [record] = records(console.audit.path)
    assert (record["phase"], record["reason"]) == ("refused", "scope")
    assert record["target"]["namespace"] == "kube-system"


async def test_the_same_person_in_another_terminal_is_refused(
    action_sandbox: Sandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    """Two consoles of one engineer (same OS user, host and Kubernetes identity): while the
    first verifies its restart, the second is refused, named, and cannot take the Lease
    over; the first gives the Lease back only after its end record."""
    app = "openclaw-adapter-shopify"
    first = console_for(action_sandbox, tmp_path / "first.jsonl")
    second = console_for(action_sandbox, tmp_path / "second.jsonl")
    try:
        engine = await second.engine()
        engine.env.operator = dataclasses.replace(engine.env.operator, process="pid 2/fedcba")
        early = await second.prepare_action("restart", {"deployment": app})  # before the first
        plan = await first.prepare_action("restart", {"deployment": app})
        assert isinstance(plan, Plan) and isinstance(early, Plan)
        running = asyncio.create_task(first.run_action(plan, confirmed=True))
        holder = await _lease_holder(kubectl, lease_name("deployment", app))
        assert holder == (await first.engine()).env.operator.lease_holder
        assert " pid " in holder  # this process, not only the person
        refused = await second.prepare_action("restart", {"deployment": app})
        assert isinstance(refused, Result) and refused.reason == "lease"
        assert refused.message.startswith(f"lease held by {holder} for another ")
        assert refused.message.endswith("s ago)")  # and since when
        taken_over = await second.run_action(early, confirmed=True)
        assert taken_over.reason == "lease", taken_over.message
        assert (await running).status == "done"
    finally:
        await first.close()
        await second.close()
    assert [r["reason"] for r in records(tmp_path / "second.jsonl")] == ["lease", "lease"]
    assert [r["phase"] for r in records(tmp_path / "first.jsonl")] == ["start", "end"]
    leases = {i["metadata"]["name"] for i in kubectl.json("get", "leases")["items"]}
    assert lease_name("deployment", app) not in leases


async def _lease_holder(kubectl: Kubectl, name: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = kubectl.run("-n", "openclaw", "get", "lease", name, "-o", "json", check=False)
        if found.returncode == 0:
            return str(orjson.loads(found.stdout)["spec"]["holderIdentity"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no Lease {name} after {timeout}s")


async def test_a_plan_runs_once(console: Console, kubectl: Kubectl) -> None:
    plan = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(plan, Plan)
    assert (await console.run_action(plan, confirmed=False)).reason == "declined"
    before = live(kubectl)
    again = await console.run_action(plan, confirmed=True)
    assert (again.status, again.reason) == ("refused", "plan")
    untouched(kubectl, before)
    assert [r["reason"] for r in records(console.audit.path)] == ["declined", "plan"]
