"""`oc-console runbook` and `oc-console audit`, the real binary against the sandbox run in the
foreground: a restart audited end to end, a dry run that writes nothing, a run that cannot be
confirmed (a production target with --yes among them), and a console killed mid-action that the
next start reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kube_fixtures import Kubectl

from oc_console.runbook.lease import lease_name

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]
APP = "openclaw-adapter-amazon"


@pytest.fixture(scope="module")
def sandbox_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [*CLI, "sandbox", "--print-env", "--scenario", "oom"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    env: dict[str, str] = {}
    assert proc.stdout is not None
    while "OC_OPENCLAW_TOKEN_FILE" not in env:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "sandbox exited"
        key, _, value = line.removeprefix("export ").strip().partition("=")
        env[key] = value.strip("'")
    try:
        yield env
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


@pytest.fixture
def env(sandbox_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**os.environ, **sandbox_env, "XDG_STATE_HOME": str(tmp_path / "state")}


@pytest.fixture
def kubectl(sandbox_env: dict[str, str], tmp_path: Path) -> Kubectl:
    home = tmp_path / "kubectl-home"
    home.mkdir()
    return Kubectl(Path(sandbox_env["KUBECONFIG"]), home)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def audit(env: dict[str, str]) -> list[dict[str, Any]]:
    path = Path(env["XDG_STATE_HOME"]) / "oc-console" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_run_restarts_waits_and_audits(env: dict[str, str], kubectl: Kubectl) -> None:
    done = run(env, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'deployment "{APP}" successfully rolled out' in done.stdout
    assert "OOMKilled" in done.stdout  # the memory check judged the scenario
    annotations = kubectl.json("-n", "openclaw", "get", f"deploy/{APP}")["spec"]["template"][
        "metadata"]["annotations"]  # fmt: skip
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    assert [(r["action"], r["phase"], r.get("outcome")) for r in audit(env)] == [
        ("restart", "start", None), ("restart", "end", "ok")]  # fmt: skip
    shown = run(env, "audit", "--since", "1h")
    assert shown.returncode == 0 and f"deployment/{APP} in openclaw" in shown.stdout


def test_dry_run_writes_nothing_but_the_audit_record(env: dict[str, str], kubectl: Kubectl) -> None:
    before = kubectl.json("-n", "openclaw", "get", f"deploy/{APP}")["metadata"]["resourceVersion"]
    done = run(env, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}",
               "--dry-run")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dry run" in done.stdout and "kubectl.kubernetes.io/restartedAt" in done.stdout
    after = kubectl.json("-n", "openclaw", "get", f"deploy/{APP}")["metadata"]["resourceVersion"]
    assert after == before
    assert [r["phase"] for r in audit(env)] == ["dry-run"]


def test_run_without_yes_or_terminal_refuses_in_one_line(env: dict[str, str]) -> None:
    done = run(env, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "pass --yes" in done.stderr
    assert audit(env) == []


def test_broken_parameter_is_one_line_naming_the_runbook(env: dict[str, str]) -> None:
    done = run(env, "runbook", "run", "adapter-oomkilled", "--param", "deployment=$(reboot)",
               "--yes")  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "adapter-oomkilled.yaml: parameter deployment" in done.stderr
    assert "metacharacters" in done.stderr


def test_a_console_killed_mid_action_is_reported_next_time(
    env: dict[str, str], kubectl: Kubectl
) -> None:
    proc = subprocess.Popen(
        [*CLI, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}", "--yes"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(r["phase"] == "start" for r in audit(env)):
            assert proc.poll() is None and time.monotonic() < deadline, "no start record"
            time.sleep(0.02)
        proc.kill()  # SIGKILL right after the start record: no chance to write the end
    finally:
        proc.wait(10)
    assert [r["phase"] for r in audit(env)] == ["start"]
    shown = run(env, "audit")
    [line] = [x for x in shown.stdout.splitlines() if x.startswith("UNFINISHED ")]
    assert ": restart deployment/openclaw-adapter-amazon in openclaw started " in line
    assert "oc-console audit resolve ID" in line
    doc = json.loads(run(env, "audit", "--json").stdout)
    assert [r["action"] for r in doc["unfinished"]] == ["restart"]
    # its Lease outlives it: no one acts on the target until it lapses or is freed by hand
    again = run(env, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}", "--yes")
    assert again.returncode == 1 and "lease held by " in again.stdout, again.stdout
    kubectl.run("-n", "openclaw", "delete", "lease", lease_name("deployment", APP))


HOSTILE_ORDER = "114-6666666-0000052"


def _plant_hostile_order(env: dict[str, str]) -> None:
    """A failed order whose platform and shop_id carry terminal control sequences, written as
    the adapter (the owner of the orders table) would."""
    import asyncio

    import asyncpg

    from oc_console.sandbox import hostile
    from oc_console.sandbox.openclaw_db import ADAPTER_PASSWORD, ADAPTER_ROLE

    dsn = env["OC_PG_DSN"].replace("//oc_monitor:monitor@", f"//{ADAPTER_ROLE}:{ADAPTER_PASSWORD}@")

    async def plant() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "INSERT INTO orders (order_id, platform, shop_id, status, updated_at) "
                "VALUES ($1, $2, $3, 'failed', now()) ON CONFLICT (order_id) DO UPDATE SET "
                "platform = $2, shop_id = $3, status = 'failed'",
                HOSTILE_ORDER, f"amazon{hostile.OSC52_CLIPBOARD}{hostile.CSI_CLEAR}",
                f"shop{hostile.CSI_8BIT}{hostile.BIDI_OVERRIDE}1042",
            )  # fmt: skip
        finally:
            await conn.close()

    asyncio.run(plant())


def test_the_lines_to_confirm_show_backend_text_inert(env: dict[str, str]) -> None:
    _plant_hostile_order(env)
    done = subprocess.run(
        [*CLI, "runbook", "run", "order-sync-failed", "--param", f"order_id={HOSTILE_ORDER}",
         "--yes"],
        capture_output=True, timeout=120, env={**env, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out = done.stdout
    assert f"replay order {HOSTILE_ORDER} (amazon".encode() in out, out + done.stderr
    for raw in (b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode()):
        assert raw not in out + done.stderr, raw
    # shown, inert: ESC as its control picture, the 8-bit CSI and the override by name
    assert "amazon\u241b]52;c;cHduZWQ=\u2407".encode() in out
    assert b"shop\\x9b31m<U+202E>1042" in out
    shown = subprocess.run([*CLI, "audit", "--json"], capture_output=True, timeout=60, env=env)
    path = Path(env["XDG_STATE_HOME"]) / "oc-console" / "audit.jsonl"
    for raw in ("\x9b".encode(), "\u202e".encode(), b"\x1b"):
        assert raw not in shown.stdout and raw not in path.read_bytes(), raw


def test_yes_never_confirms_a_production_target(
    env: dict[str, str], kubectl: Kubectl, tmp_path: Path
) -> None:
    """`--yes` answers yes but never types a production target's name: the step is refused,
    and the question and the refusal's record name the target, its context and its server."""
    config = tmp_path / "config.toml"
    config.write_text('[kubernetes]\nname = "eu-west"\nproduction = true\n')
    before = kubectl.json("-n", "openclaw", "get", f"deploy/{APP}")["metadata"]["resourceVersion"]
    done = run(env, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}",
               "--yes", "--config", str(config))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "on target eu-west (context " in done.stdout and ", server https://" in done.stdout
    assert "not confirmed: type eu-west on a terminal to confirm" in done.stdout
    after = kubectl.json("-n", "openclaw", "get", f"deploy/{APP}")["metadata"]["resourceVersion"]
    assert after == before
    rows = audit(env)
    assert [(r["phase"], r.get("reason")) for r in rows] == [("refused", "declined")]
    cluster = rows[0]["cluster"]
    assert (cluster["name"], cluster["production"]) == ("eu-west", True)
    assert cluster["server"].startswith("https://") and cluster["context"]
