"""Every action end to end on the sandbox: previewed, executed, verified and audited, and the
real kubectl (or PostgreSQL itself) sees the result. And what the server itself guards: a scale
carries the previewed resourceVersion, a replay's idempotency key is the order's attempt."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
from action_fixtures import console_for, records
from cryptography import x509
from kube_fixtures import Kubectl, reset_faults

from oc_console.runbook.actions.base import Refused
from oc_console.runbook.engine import Plan, Result
from oc_console.runbook.identity import Operator
from oc_console.sandbox.openclaw_db import STUCK_ORDER
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
REVISION = "deployment.kubernetes.io/revision"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


@pytest.fixture(scope="module")
def sandbox(action_sandbox: Sandbox) -> Sandbox:
    return action_sandbox


@pytest.fixture(scope="module")
def kubectl(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(sandbox.kube.kubeconfig_path, tmp_path_factory.mktemp("home"))


@pytest.fixture
async def console(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Console]:
    c = console_for(sandbox, tmp_path / "audit.jsonl")
    try:
        yield c
    finally:
        await c.close()
        reset_faults(sandbox.kube)


async def act(console: Console, kind: str, **params: str) -> Result:
    plan = await console.prepare_action(kind, params)
    assert isinstance(plan, Plan), plan
    return await console.run_action(plan, confirmed=True)


async def signal(console: Console, kind: str, pid: int, application_name: str = "") -> Result:
    """cancel or terminate through prepare and an explicit yes, as every caller must."""
    params = {"pid": str(pid)}
    if application_name:
        params["application_name"] = application_name
    plan = await console.prepare_action(kind, params)
    return plan if isinstance(plan, Result) else await console.run_action(plan, confirmed=True)


def phases(console: Console) -> list[tuple[str, str]]:
    return [(r["action"], r["phase"]) for r in records(console.audit.path)]


def pods(kubectl: Kubectl, app: str) -> set[str]:
    return {p["metadata"]["name"] for p in kubectl.json("get", "pods", "-l", f"app={app}")["items"]}


async def test_restart_rolls_every_pod_and_is_audited(console: Console, kubectl: Kubectl) -> None:
    app = "openclaw-adapter-amazon"
    before = pods(kubectl, app)
    result = await act(console, "restart", deployment=app)
    assert result.status == "done", result.message
    assert "successfully rolled out" in result.message
    assert not pods(kubectl, app) & before  # every pod replaced
    deploy = kubectl.json("get", f"deploy/{app}")
    assert RESTARTED_AT in deploy["spec"]["template"]["metadata"]["annotations"]
    start, end = records(console.audit.path)
    assert (start["phase"], end["phase"]) == ("start", "end") and start["id"] == end["id"]
    assert RESTARTED_AT in start["preview"]  # the dry-run diff
    assert end["outcome"] == "ok" and end["duration_s"] > 0
    assert start["identity"] == "oncall@openclaw.io"  # SelfSubjectReview
    assert start["target"] == {"kind": "deployment", "name": app, "namespace": "openclaw"}
    assert start["context"] == "openclaw-sandbox"
    leases = {i["metadata"]["name"] for i in kubectl.json("get", "leases")["items"]}
    assert not any(n.startswith("oc-console-") for n in leases)  # the Lease was given back


async def test_undo_goes_back_one_revision_as_kubectl_shows(
    console: Console, kubectl: Kubectl
) -> None:
    app = "openclaw-adapter-lazada"
    original = kubectl.json("get", f"deploy/{app}")["spec"]["template"]
    assert (await act(console, "restart", deployment=app)).status == "done"
    top = int(kubectl.json("get", f"deploy/{app}")["metadata"]["annotations"][REVISION])
    result = await act(console, "undo", deployment=app)
    assert result.status == "done", result.message
    deploy = kubectl.json("get", f"deploy/{app}")
    assert deploy["spec"]["template"] == original
    assert deploy["metadata"]["annotations"][REVISION] == str(top + 1)
    history = kubectl.run("rollout", "history", f"deploy/{app}").stdout
    revisions = [int(line.split()[0]) for line in history.splitlines() if line[:1].isdigit()]
    assert max(revisions) == top + 1 and top - 1 not in revisions  # the undone one moved up
    assert [r["outcome"] for r in records(console.audit.path) if r["phase"] == "end"] == ["ok"] * 2


async def test_undo_of_a_crashloop_restores_the_pinned_image(
    console: Console, kubectl: Kubectl
) -> None:
    app = "openclaw-adapter-shopee"
    result = await act(console, "undo", deployment=app)
    assert result.status == "done", result.message
    image = kubectl.json("get", f"deploy/{app}")["spec"]["template"]["spec"]["containers"][0]
    assert "@sha256:" in image["image"]


async def test_undo_without_history_is_refused_clearly(console: Console, kubectl: Kubectl) -> None:
    app = "openclaw-adapter-walmart"
    rv = kubectl.json("get", f"deploy/{app}")["metadata"]["resourceVersion"]
    # kubectl itself (rolled back already to the first template in the fixture) has history 1..n;
    # ask for a revision that does not exist
    plan = await console.prepare_action("undo", {"deployment": app, "to_revision": "99"})
    assert isinstance(plan, Result) and plan.status == "refused"
    assert "unable to find specified revision 99" in plan.message
    assert kubectl.json("get", f"deploy/{app}")["metadata"]["resourceVersion"] == rv
    assert phases(console) == [("undo", "refused")]


async def test_scale_through_the_scale_subresource(console: Console, kubectl: Kubectl) -> None:
    app = "openclaw-adapter-coupang"
    result = await act(console, "scale", deployment=app, replicas="4")
    assert result.status == "done", result.message
    deploy = kubectl.json("get", f"deploy/{app}")
    assert deploy["spec"]["replicas"] == 4 and deploy["status"]["readyReplicas"] == 4
    assert "spec.replicas: 2 -> 4" in records(console.audit.path)[0]["preview"]


async def test_renew_moves_not_after(console: Console, kubectl: Kubectl) -> None:
    name = "openclaw-api-tls"
    before = kubectl.json("get", f"certificate/{name}")["status"]["notAfter"]
    result = await act(console, "renew", certificate=name)
    assert result.status == "done", result.message
    cert = kubectl.json("get", f"certificate/{name}")
    after = cert["status"]["notAfter"]
    assert datetime.fromisoformat(after) > datetime.fromisoformat(before)
    assert {c["type"]: c["status"] for c in cert["status"]["conditions"]} == {"Ready": "True"}
    secret = kubectl.json("get", f"secret/{name}")
    pem = base64.b64decode(secret["data"]["tls.crt"])
    not_after = x509.load_pem_x509_certificate(pem).not_valid_after_utc
    assert not_after == datetime.fromisoformat(after)  # the Secret holds the new certificate
    start = records(console.audit.path)[0]
    assert "ManuallyTriggered" in start["preview"] and start["target"]["not_after"] == before


async def test_replay_syncs_the_failed_order(console: Console, sandbox: Sandbox) -> None:
    conn = await asyncpg.connect(sandbox.database.adapter_dsn)
    try:
        status = "SELECT status FROM orders WHERE order_id = $1"
        assert await conn.fetchval(status, STUCK_ORDER) == "failed"
        result = await act(console, "replay", order_id=STUCK_ORDER)
        assert result.status == "done", result.message
        assert await conn.fetchval(status, STUCK_ORDER) == "synced"
    finally:
        await conn.close()
    start = records(console.audit.path)[0]
    assert "Bearer <redacted>" in start["preview"]
    token = Path(str(sandbox.openclaw.token_file)).read_text().strip()  # type: ignore[union-attr]
    assert token not in console.audit.path.read_text()
    assert '"order_id": "114-3941689-8772232"' in start["preview"]
    # replaying a synced order is refused before anything is sent
    again = await console.prepare_action("replay", {"order_id": STUCK_ORDER})
    assert isinstance(again, Result) and "already synced" in again.message


async def test_terminate_only_the_session_shown(console: Console, sandbox: Sandbox) -> None:
    app = {"application_name": "openclaw-adapter-amazon"}
    leaked = await asyncpg.connect(sandbox.database.adapter_dsn, server_settings=app)
    await leaked.execute("BEGIN")
    await leaked.fetchval("SELECT count(*) FROM orders")
    pid = leaked.get_server_pid()
    try:
        # the pid shown belongs to another application now: refused, nothing signalled
        wrong = await signal(console, "terminate", pid, "openclaw-adapter-shopee")
        assert wrong.status == "refused" and wrong.reason == "target-changed"
        result = await signal(console, "terminate", pid, "openclaw-adapter-amazon")
        assert result.status == "done", result.message
        assert result.message.startswith("terminated")
        assert f"session {pid} is gone" in result.message
        assert leaked.is_closed() or not await _alive(sandbox, pid)
    finally:
        leaked.terminate()
    refused, start, end = records(console.audit.path)
    assert refused["phase"] == "refused"
    assert start["target"]["application_name"] == "openclaw-adapter-amazon"
    assert start["target"]["backend_start"]  # the session's identity, recorded
    assert "pg_terminate_backend(pid)" in start["preview"] and end["outcome"] == "ok"


async def _alive(sandbox: Sandbox, pid: int) -> bool:
    conn = await asyncpg.connect(sandbox.database.pg.dsn)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid=$1", pid))
    finally:
        await conn.close()


async def test_cancel_stops_a_running_query(console: Console, sandbox: Sandbox) -> None:
    busy = await asyncpg.connect(
        sandbox.database.adapter_dsn, server_settings={"application_name": "openclaw-replay"}
    )
    import asyncio

    query = asyncio.get_running_loop().create_task(busy.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.3)
    try:
        result = await signal(console, "cancel", busy.get_server_pid())
        assert result.status == "done", result.message
        with pytest.raises(asyncpg.QueryCanceledError):
            await asyncio.wait_for(query, 5)
    finally:
        busy.terminate()
    assert phases(console) == [("cancel", "start"), ("cancel", "end")]


async def test_scale_carries_the_previewed_resource_version(
    console: Console, kubectl: Kubectl
) -> None:
    """A change between the engine's re-check and the PATCH is the server's 409, not a scale
    over someone else's change."""
    app = "openclaw-adapter-walmart"
    plan = await console.prepare_action("scale", {"deployment": app, "replicas": "5"})
    assert isinstance(plan, Plan), plan
    kubectl.run("-n", "openclaw", "annotate", f"deploy/{app}", "note=changed-after-preview")
    engine = await console.engine()
    with pytest.raises(Refused) as refused:
        await plan.action.execute(engine.env, plan.preview)
    assert refused.value.reason == "target-changed"
    assert kubectl.json("get", f"deploy/{app}")["spec"]["replicas"] == 2


async def test_two_operators_replaying_one_failed_attempt_replay_it_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(sandbox.database.adapter_dsn)
    try:
        order = await conn.fetchval(
            "SELECT order_id FROM orders WHERE status = 'failed' AND order_id <> $1 "
            "ORDER BY order_id LIMIT 1",
            STUCK_ORDER,
        )
    finally:
        await conn.close()
    alice = console_for(sandbox, tmp_path / "alice.jsonl")
    bob = console_for(sandbox, tmp_path / "bob.jsonl")
    assert sandbox.openclaw is not None
    try:
        (await bob.engine()).env.operator = Operator("bob", "bastion-2", "bob@openclaw.io")
        first = await alice.prepare_action("replay", {"order_id": order})
        second = await bob.prepare_action("replay", {"order_id": order})
        assert isinstance(first, Plan) and isinstance(second, Plan)
        key = first.preview.facts["idempotency_key"]
        assert second.preview.facts["idempotency_key"] == key  # not who, not when
        replays = sandbox.openclaw.replays
        done = await alice.run_action(first, confirmed=True)
        assert done.status == "done", done.message
        # bob's console sees the order changed and sends nothing ...
        late = await bob.run_action(second, confirmed=True)
        assert late.reason == "target-changed"
        # ... and a request of his that reaches the API anyway (a retry, a delayed send)
        # gets alice's answer back: the order is processed once
        sent = await second.action.execute((await bob.engine()).env, second.preview)
        assert sent in done.message and "(run " in sent
        assert sandbox.openclaw.replays == replays + 1
    finally:
        await alice.close()
        await bob.close()


async def test_cancel_of_an_idle_transaction_says_terminate_instead(
    console: Console, sandbox: Sandbox
) -> None:
    app = {"application_name": "openclaw-adapter-tiktok"}
    idle = await asyncpg.connect(sandbox.database.adapter_dsn, server_settings=app)
    await idle.execute("BEGIN")
    await idle.fetchval("SELECT count(*) FROM orders")
    pid = idle.get_server_pid()
    try:
        result = await signal(console, "cancel", pid)
        assert (result.status, result.reason) == ("refused", "idle-in-transaction")
        assert result.message == (
            f"pid {pid} is idle in transaction: there is no query to cancel; "
            "terminate it (k) to end the transaction"
        )
        assert await idle.fetchval("SELECT 1") == 1  # untouched, still in its transaction
    finally:
        idle.terminate()
    [record] = records(console.audit.path)
    assert (record["phase"], record["reason"]) == ("refused", "idle-in-transaction")
