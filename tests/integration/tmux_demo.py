"""`oc-console demo` driven in tmux as a person drives it: keys typed, the screen read back."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

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


def flat(screen: str) -> str:
    """The screen's text without box borders, wrapped lines joined: for text that wraps."""
    rows = [line.strip(" │╭╮╰╯─") for line in screen.splitlines()]
    return " ".join(" ".join(rows).split())


class Demo:
    """`oc-console demo` (every scenario, unless `program` says otherwise) in a tmux session of
    the given size."""

    def __init__(
        self,
        tmp_path: Path,
        size: tuple[int, int] = (80, 24),
        env: str = "",
        program: str = f"{BIN} demo",
    ) -> None:
        self.session = f"oc-{uuid.uuid4().hex[:8]}"
        self.done = tmp_path / "exit-code"
        # the pane stays a little after the exit, so what the console left can be read
        command = f"{env} {program}; echo $? > {self.done}; sleep 20"
        x, y = size
        tmux("new-session", "-d", "-s", self.session, "-x", str(x), "-y", str(y), command)

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.session, *keys)
        if keys[-1] == "Escape":
            # a key right after ESC would read as alt+key: a person is never that fast
            time.sleep(0.3)

    def shows(self, text: str, timeout: float = 60.0) -> str:
        return screen_shows(self.session, text, timeout)

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def quit(self) -> str:
        self.keys("q")
        deadline = time.monotonic() + 30
        while not self.done.exists():
            assert time.monotonic() < deadline, "the console did not exit on q"
            time.sleep(0.2)
        return self.done.read_text().strip()

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)
