"""On a VM: the lock file that stands in for the Lease (held by one process at a time, named
holder, dropped when its process dies), and the actions that say they need a cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oc_console.runbook.actions.base import ActionFailed
from oc_console.runbook.actions.compose import ServiceRestart
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.lockfile import LockFileGuard


def test_a_held_lock_names_its_holder_and_is_free_once_given_back(tmp_path: Path) -> None:
    alice = LockFileGuard(tmp_path / "locks", "openclaw", "svc", "alice@vm pid 1/aa")
    bob = LockFileGuard(tmp_path / "locks", "openclaw", "svc", "bob@vm pid 2/bb")
    assert alice.acquire() is None
    held = bob.acquire()
    assert held is not None and held.identity == "alice@vm pid 1/aa"
    assert "held by alice@vm pid 1/aa (taken 0m00s ago)" in held.describe()
    assert bob.other_holder() is not None
    alice.release()
    assert bob.other_holder() is None
    assert bob.acquire() is None
    bob.release()
    assert (tmp_path / "locks" / "openclaw.svc.lock").stat().st_mode & 0o777 == 0o600


def test_a_holder_that_died_leaves_no_lock(tmp_path: Path) -> None:
    code = (
        "import os, sys; from pathlib import Path\n"
        "from oc_console.runbook.lockfile import LockFileGuard\n"
        f"g = LockFileGuard(Path({str(tmp_path)!r}), 'openclaw', 'svc', 'crashed pid 9/cc')\n"
        "assert g.acquire() is None\n"
        "os._exit(9)  # no release: the kernel drops the lock with the process\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr
    guard = LockFileGuard(tmp_path, "openclaw", "svc", "next pid 3/dd")
    assert guard.other_holder() is None and guard.acquire() is None
    guard.release()


def test_on_a_vm_restart_is_the_compose_service_and_rollback_needs_a_cluster() -> None:
    action = make_action("restart", {"deployment": "openclaw-adapter-amazon"}, "openclaw",
                         on_vm=True)  # fmt: skip
    assert isinstance(action, ServiceRestart)
    assert (action.target.kind, action.target.namespace) == ("service", "openclaw")
    with pytest.raises(ActionFailed, match="rollback needs Kubernetes or Helm"):
        make_action("undo", {"deployment": "openclaw-adapter-amazon"}, "openclaw", on_vm=True)
    assert type(make_action("restart", {"deployment": "a"}, "openclaw")).__name__ == "Restart"
