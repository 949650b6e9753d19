"""The sandbox's watchdog with real processes: children of a process killed with SIGKILL are
stopped (and one that ignores SIGTERM killed), its directory removed; a child forgotten after
a normal stop is left alone; a pid reused by another process is never signalled."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from oc_console.sandbox.watchdog import GRACE_SECONDS, start_time, stop_all

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

PARENT = """
    import os, subprocess, sys, time
    from oc_console.sandbox.watchdog import GUARD

    workdir = sys.argv[1]
    stops = subprocess.Popen(["sleep", "60"], start_new_session=True)
    stubborn = subprocess.Popen(  # ignores SIGTERM: only SIGKILL ends it
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
         "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    stubborn.stdout.readline()
    forgotten = subprocess.Popen(["sleep", "60"], start_new_session=True)
    for child in (stops, stubborn, forgotten):
        GUARD.watch(child.pid)
    GUARD.forget(forgotten.pid)
    GUARD.remove_on_exit(workdir)
    print(stops.pid, stubborn.pid, forgotten.pid, flush=True)
    time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def test_children_of_a_killed_process_are_stopped_and_its_directory_removed(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "sandbox"
    (workdir / "db").mkdir(parents=True)
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT), str(workdir)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert parent.stdout is not None
    stops, stubborn, forgotten = (int(pid) for pid in parent.stdout.readline().split())
    try:
        parent.kill()  # no chance to clean up after itself
        parent.wait()
        deadline = time.monotonic() + GRACE_SECONDS + 5
        while not (gone(stops) and gone(stubborn) and not workdir.exists()):
            assert time.monotonic() < deadline, (gone(stops), gone(stubborn), workdir.exists())
            time.sleep(0.05)
        assert not gone(forgotten)  # stopped normally before: not the watchdog's to stop
    finally:
        for pid in (stops, stubborn, forgotten):
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()


def test_a_pid_now_of_another_process_is_not_signalled() -> None:
    other = subprocess.Popen(["sleep", "60"])
    try:
        started = start_time(other.pid)
        assert started > 0
        stop_all({other.pid: (started - 1, signal.SIGTERM)}, grace=0.2)  # an older process's
        assert other.poll() is None
        stop_all({other.pid: (started, signal.SIGTERM)}, grace=5)
        assert other.wait(5) == -signal.SIGTERM
    finally:
        other.kill()
        other.wait()
