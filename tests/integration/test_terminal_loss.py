"""`oc-console demo` losing its terminal, as on a bastion when the SSH session drops: the real
binary on a pseudo-terminal, every process of its tree recorded from the start (PostgreSQL,
Prometheus, Alertmanager, the sandbox's helpers), the terminal closed, and then not one of
them left, nor the sandbox's directory."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import psutil
import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (shutil.which("prometheus") and shutil.which("promtool")), reason="no prometheus"
    ),
]
ROOT = Path(__file__).resolve().parents[2]
QUIT_BOUND = 3.0  # seconds from `q` to the console's exit, by design (oc_console.signals)
SLACK = 1.5  # for a loaded test machine


def _take_terminal() -> None:
    # as sshd does for the command it runs: the pty is the session's controlling terminal,
    # so its hang-up sends SIGHUP
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Demo:
    """`oc-console demo` at 80x24 on a pty, its process tree sampled while it runs."""

    def __init__(self, *, controlling: bool) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oc_console.cli", "demo"],
            stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, start_new_session=True,
            env={**os.environ, "TERM": "xterm-256color"},
            preexec_fn=_take_terminal if controlling else None,
        )  # fmt: skip
        os.close(slave)
        self.root = psutil.Process(self.proc.pid)
        self.seen: dict[tuple[int, float], psutil.Process] = {}
        self.names: set[str] = set()
        self.workdirs: set[Path] = set()
        self.output = bytearray()

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        for p in procs:
            try:
                key = (p.pid, p.create_time())
                if key not in self.seen:
                    self.seen[key] = p
                    self.names.add(p.name())
                    cmd = p.cmdline()
                    if "-D" in cmd and p.name() == "postgres":  # <workdir>/db/pgdata
                        self.workdirs.add(Path(cmd[cmd.index("-D") + 1]).parents[1])
            except psutil.Error:
                pass

    def read_until(self, needle: bytes, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            assert time.monotonic() < deadline, f"{needle!r} never appeared"
            assert self.proc.poll() is None, f"the demo ended: {bytes(self.output[-500:])!r}"
            self.sample()
            if select.select([self.master], [], [], 0.1)[0]:
                self.output += os.read(self.master, 65536)

    def drop_terminal(self) -> None:
        self.sample()
        os.close(self.master)

    def left(self) -> list[str]:
        alive = []
        for p in self.seen.values():
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{p.pid} {p.name()} {' '.join(p.cmdline())[:120]}")
            except psutil.Error:
                pass
        return alive

    def assert_nothing_left(self, timeout: float = 10.0) -> None:
        """The watchdog gives its children 2 s before it kills them."""
        deadline = time.monotonic() + timeout
        while (alive := self.left()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive, f"{len(alive)} of {len(self.seen)} processes left:\n" + "\n".join(alive)
        assert self.workdirs and not any(d.exists() for d in self.workdirs), self.workdirs

    def kill_all(self) -> None:
        """After a failure: leave nothing behind for the next test."""
        for p in self.seen.values():
            with contextlib.suppress(psutil.Error):
                p.kill()
        if self.proc.poll() is None:
            self.proc.wait()


def test_terminal_dropped_half_a_second_after_q_leaves_no_process() -> None:
    demo = Demo(controlling=True)
    try:
        demo.read_until(b"CRIT")  # the first useful frame: the sandbox is up
        demo.sample()
        assert {"postgres", "prometheus"} <= demo.names, demo.names
        assert any("alertmanager" in name for name in demo.names), demo.names
        time.sleep(0.5)
        demo.sample()
        quit_at = time.monotonic()
        os.write(demo.master, b"q")
        time.sleep(0.5)
        demo.drop_terminal()
        demo.proc.wait(QUIT_BOUND + SLACK + 5)
        took = time.monotonic() - quit_at
        assert took <= QUIT_BOUND + SLACK, f"q to exit took {took:.1f} s"
        demo.assert_nothing_left()
    finally:
        demo.kill_all()


def test_terminal_closed_in_the_first_frame_without_sighup_leaves_no_process() -> None:
    """No controlling terminal: no SIGHUP comes, the input only reads end-of-file."""
    demo = Demo(controlling=False)
    try:
        demo.read_until(b"\x1b[?1049h")  # Textual takes the screen: its first frame is coming
        demo.drop_terminal()
        dropped = time.monotonic()
        demo.proc.wait(QUIT_BOUND + SLACK + 5)
        took = time.monotonic() - dropped
        assert took <= QUIT_BOUND + SLACK, f"drop to exit took {took:.1f} s"
        assert demo.proc.returncode == 128 + signal.SIGHUP  # it left as for a hang-up
        demo.assert_nothing_left()
    finally:
        demo.kill_all()
