"""`oc-console demo` as a person runs it: the real binary in tmux at 80x24, keys typed, the
screen read back, and nothing left running after `q`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent / "oc-console"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen_shows(session: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = tmux("capture-pane", "-p", "-t", session)
        if text in shown:
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")
        time.sleep(0.2)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_in_tmux_at_80x24(tmp_path: Path) -> None:
    session = f"oc-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    command = f"{BIN} demo --scenario pool; echo $? > {done}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        overview = screen_shows(session, "sit idle in transaction")
        assert "●pg" in overview.splitlines()[0]  # the header: PostgreSQL up, with its age
        assert "CRIT" in overview
        tmux("send-keys", "-t", session, "2")
        database = screen_shows(session, "Idle in transaction, oldest first")
        assert "openclaw-adapter-amazon" in database
        assert "Blocking tree" in database
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 30
        while not done.exists():
            assert time.monotonic() < deadline, "the console did not exit on q"
            time.sleep(0.2)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
