"""`runbook run ... --yes` ended by SIGHUP (a dropped SSH session) or SIGTERM in the middle of
its verify: the action is interrupted as Ctrl+C would, so the audit has its end record, the
Lease is given back at once (not after its 300 s), and the exit is 128 + the signal."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kube_fixtures import Kubectl
from test_runbook_cli import APP, CLI, audit, sandbox_env

pytestmark = pytest.mark.integration
__all__ = ["sandbox_env"]  # the module's sandbox, shared by the tests below


@pytest.fixture
def env(sandbox_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**os.environ, **sandbox_env, "XDG_STATE_HOME": str(tmp_path / "state")}


@pytest.fixture
def kubectl(sandbox_env: dict[str, str], tmp_path: Path) -> Kubectl:
    home = tmp_path / "kubectl-home"
    home.mkdir()
    return Kubectl(Path(sandbox_env["KUBECONFIG"]), home)


def signal_mid_verify(env: dict[str, str], sig: signal.Signals) -> tuple[int, str]:
    """Run the restart; send `sig` as soon as the execute step says it restarted (the rollout
    it then waits for takes the sandbox a second or more)."""
    proc = subprocess.Popen(
        [*CLI, "runbook", "run", "adapter-oomkilled", "--param", f"deployment={APP}", "--yes"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.strip() == f"deployment.apps/{APP} restarted":
                proc.send_signal(sig)
                break
        seen.append(proc.stdout.read())
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, "".join(seen)


def leases(kubectl: Kubectl) -> list[str]:
    items = kubectl.json("-n", "openclaw", "get", "leases")["items"]
    return [item["metadata"]["name"] for item in items]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_signal_mid_verify_ends_the_record_and_gives_the_lease_back(
    env: dict[str, str], kubectl: Kubectl, sig: signal.Signals
) -> None:
    # the rollout an earlier test left behind finishes first: its status writes would move
    # the Deployment between preview and action, and the engine would rightly refuse
    kubectl.run("-n", "openclaw", "rollout", "status", f"deploy/{APP}", "--timeout=60s",
                timeout=90)  # fmt: skip
    code, out = signal_mid_verify(env, sig)
    assert "restarted" in out and "successfully rolled out" not in out, out
    assert code == 128 + sig, out
    records = [(r["action"], r["phase"], r.get("outcome")) for r in audit(env)]
    assert records == [("restart", "start", None), ("restart", "end", "interrupted")], out
    deadline = time.monotonic() + 5
    while any(name.startswith("oc-console-") for name in leases(kubectl)):
        assert time.monotonic() < deadline, f"the Lease is still held: {leases(kubectl)}"
        time.sleep(0.1)
