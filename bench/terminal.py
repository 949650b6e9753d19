"""Run the real console in a pseudo-terminal and measure what it writes to it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Terminal:
    """`oc-console ARGS` (or any python -c code) on a pty of the given size."""

    def __init__(
        self, argv: list[str], size: tuple[int, int] = (120, 40), env: dict[str, str] | None = None
    ) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, close_fds=True,
            env={**os.environ, "TERM": "xterm-256color", **(env or {})}, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.written = 0

    @classmethod
    def console(cls, *args: str, **kw: object) -> Terminal:
        return cls([sys.executable, "-m", "oc_console.cli", *args], **kw)  # type: ignore[arg-type]

    def read_for(self, seconds: float) -> bytes:
        """Everything the app writes during `seconds`."""
        out = bytearray()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                out += chunk
        self.written += len(out)
        return bytes(out)

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> None:
        seen = bytearray()
        deadline = time.monotonic() + timeout
        while needle not in seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{needle!r} never appeared")
            seen += self.read_for(0.1)

    def key_latency(self, key: bytes, timeout: float = 5.0) -> float:
        """Seconds from writing `key` until the app's first byte in answer."""
        self.read_for(0.05)  # drain
        start = time.perf_counter()
        os.write(self.master, key)
        ready, _, _ = select.select([self.master], [], [], timeout)
        elapsed = time.perf_counter() - start
        if ready:
            self.written += len(os.read(self.master, 65536))
        return elapsed

    def cpu_seconds(self) -> float:
        import psutil

        t = psutil.Process(self.proc.pid).cpu_times()
        return float(t.user + t.system)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
