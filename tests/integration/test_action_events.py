"""Every action on a Kubernetes object leaves an `events.k8s.io/v1` Event on it, which the real
`kubectl describe` shows; a refused Event write leaves the action done and one audit line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from action_fixtures import console_for, records
from kube_fixtures import Kubectl, reset_faults

from oc_console.runbook.engine import Plan, Result
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
APP = "openclaw-adapter-amazon"


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


async def restart(console: Console, **extra: str) -> Result:
    plan = await console.prepare_action("restart", {"deployment": APP, **extra})
    assert isinstance(plan, Plan), plan
    return await console.run_action(plan, confirmed=True)


def our_events(kubectl: Kubectl) -> list[dict[str, object]]:
    items = kubectl.json("-n", "openclaw", "get", "events.v1.events.k8s.io")["items"]
    return [e for e in items if e.get("reason") == "OcConsoleAction"]


async def test_a_restart_leaves_an_event_kubectl_describe_shows(
    console: Console, kubectl: Kubectl
) -> None:
    before = len(our_events(kubectl))
    result = await restart(console)
    assert result.status == "done", result.message
    described = kubectl.run("-n", "openclaw", "describe", f"deploy/{APP}").stdout
    line = next(x for x in described.splitlines() if "OcConsoleAction" in x)
    assert "oc-console" in line
    start = records(console.audit.path)[0]
    holder = f"{start['user']}@{start['host']} ({start['identity']})"
    assert f"rollout restart deployment/{APP} by {holder}: done, verified:" in described
    events = our_events(kubectl)
    assert len(events) == before + 1
    event = events[-1]
    assert event["action"] == "restart" and event["type"] == "Normal"
    assert event["reportingController"] == "oc-console"
    assert event["reportingInstance"] == "oc-console"
    regarding = event["regarding"]
    assert isinstance(regarding, dict)
    assert (regarding["kind"], regarding["name"]) == ("Deployment", APP)
    assert [r["phase"] for r in records(console.audit.path)] == ["start", "end"]


async def test_the_audit_and_the_event_name_the_context_and_the_server(
    console: Console, kubectl: Kubectl
) -> None:
    server = kubectl.run("config", "view", "--minify", "-o",
                         "jsonpath={.clusters[0].cluster.server}").stdout  # fmt: skip
    assert server.startswith("https://")
    result = await restart(console)
    assert result.status == "done", result.message
    cluster = {"name": "", "context": "openclaw-sandbox", "server": server, "production": False}
    assert [r["cluster"] for r in records(console.audit.path)] == [cluster, cluster]
    note = our_events(kubectl)[-1]["note"]
    assert isinstance(note, str)
    assert note.endswith(f"; on context openclaw-sandbox (server {server})"), note
    described = kubectl.run("-n", "openclaw", "describe", f"deploy/{APP}").stdout
    assert f"server {server}" in described


async def test_a_refused_event_write_leaves_the_action_done_and_audited(
    console: Console, action_sandbox: Sandbox
) -> None:
    action_sandbox.kube.faults.deny("create", "events")
    result = await restart(console)
    assert result.status == "done", result.message
    rows = records(console.audit.path)
    assert [r["phase"] for r in rows] == ["start", "end", "event"]
    assert rows[1]["outcome"] == "ok"
    assert rows[2]["error"].startswith("event not written: ")
    assert "403" in rows[2]["error"] or "forbidden" in rows[2]["error"].lower()
    assert rows[2]["id"] == rows[0]["id"]


async def test_the_console_shows_the_event_as_a_change_and_who_acted(console: Console) -> None:
    import asyncio

    from oc_console.domain.acted_on import acted_on
    from oc_console.domain.changes import ACTION

    result = await restart(console)
    assert result.status == "done", result.message
    user = records(console.audit.path)[0]["user"]
    for _ in range(50):  # the watch brings it within a refresh
        snap = await console.collect(10)
        mine = [c for c in snap.changes if c.kind == ACTION and c.subject == f"openclaw/{APP}"]
        if mine and snap.fleet is not None:
            break
        await asyncio.sleep(0.2)
    assert mine, "no action change"
    assert mine[0].summary.startswith(f"rollout restart deployment/{APP} by {user}@")
    assert snap.fleet is not None
    line = acted_on(snap.fleet, f"openclaw/{APP}")
    assert line is not None and line.startswith(f"acted on by {user}, ")
