"""A server binary the sandbox runs (Prometheus, Alertmanager): on 127.0.0.1, its output in a
log file beside its data (never on the console's terminal), ready when `/-/ready` answers 200,
and stopped politely, then firmly."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .watchdog import GUARD

READY_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0


class ServerProcess:
    def __init__(self, argv: list[str], url: str, log_path: Path) -> None:
        self.url = url
        self._log_path = log_path
        self._log = log_path.open("wb")
        # Its own session: a terminal's SIGHUP would make it reload, not stop, and Ctrl+C is
        # ours to act on; the watchdog stops it if this process dies first.
        self._process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        GUARD.watch(self._process.pid)

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Raises RuntimeError when it exits first or is not ready in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"it exited; see {self._log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"not ready within {timeout:.0f}s")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        GUARD.forget(self._process.pid)
        self._log.close()
