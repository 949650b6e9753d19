"""The sandbox's child processes die with the process that started them, whatever ends it: `q`,
a signal, the terminal going away, SIGKILL, a crash.

A parent-death signal (PR_SET_PDEATHSIG) would not do: it fires when the *thread* that forked
dies, needs a preexec_fn (unsafe with threads), and is cleared for a child that changes user, as
PostgreSQL does when we run as root. Instead, one small watchdog process per console holds the
read end of a pipe whose only write end is ours. It reads which children to look after; at
end-of-file we are gone, so it stops each of them, kills what is left after a grace period, and
removes the working directories we named. It runs in its own session, so no terminal signal
reaches it, and it imports only the standard library (it starts with `python -I -S`).

This file is also the watchdog's program: `python -I -S watchdog.py`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.05


def _stat(pid: int) -> tuple[str, int] | None:
    """The process's state letter and start time (clock ticks since boot), None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the name (field 2) may hold spaces and parentheses: count fields after its last ')'
    fields = stat.rsplit(b")", 1)[1].split()
    return fields[0].decode(), int(fields[19])


def start_time(pid: int) -> int:
    """With the pid, it tells the same process from a later one that reused its pid (0 when
    unknown, where there is no /proc)."""
    stat = _stat(pid)
    return stat[1] if stat else 0


def _alive(pid: int, started: int) -> bool:
    if started:
        stat = _stat(pid)
        # gone, a zombie waiting for init to reap it, or a new process under a reused pid
        return stat is not None and stat[0] != "Z" and stat[1] == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pid: int, sig: int) -> None:
    """`sig` to the process, and with SIGKILL to its group when it leads one (PostgreSQL's
    backends, in the session it was started in)."""
    with contextlib.suppress(OSError):
        if sig == signal.SIGKILL and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def stop_all(children: dict[int, tuple[int, int]], grace: float = GRACE_SECONDS) -> None:
    """Ask every child (pid: (start time, signal)) to stop; SIGKILL those alive after `grace`."""
    for pid, (started, sig) in children.items():
        if _alive(pid, started):
            _signal(pid, sig)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not any(_alive(pid, started) for pid, (started, _) in children.items()):
            return
        time.sleep(_POLL_SECONDS)
    for pid, (started, _) in children.items():
        if _alive(pid, started):
            _signal(pid, signal.SIGKILL)


def _main() -> None:
    """The watchdog's loop: `watch PID START SIG`, `forget PID` and `remove DIR` lines until
    end-of-file, then the cleanup."""
    for ignored in (signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        signal.signal(ignored, signal.SIG_IGN)
    children: dict[int, tuple[int, int]] = {}
    directories: list[str] = []
    for raw in sys.stdin.buffer:
        word, _, rest = raw.decode("utf-8", "surrogateescape").rstrip("\n").partition(" ")
        if word == "watch":
            pid, started, sig = (int(x) for x in rest.split())
            children[pid] = (started, sig)
        elif word == "forget":
            children.pop(int(rest), None)
        elif word == "remove":
            directories.append(rest)
    stop_all(children)
    for path in directories:
        shutil.rmtree(path, ignore_errors=True)


class Guard:
    """The console's side: the pipe to its watchdog, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._children: dict[int, tuple[int, int]] = {}

    def _send(self, line: str) -> None:
        with self._lock:
            if self._process is None:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-S", os.path.abspath(__file__)],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True, cwd="/",
                )  # fmt: skip
            assert self._process.stdin is not None
            with contextlib.suppress(OSError):  # a watchdog killed from outside: go on without
                self._process.stdin.write(line.encode("utf-8", "surrogateescape") + b"\n")
                self._process.stdin.flush()

    def watch(self, pid: int, sig: int = signal.SIGTERM) -> None:
        """`pid` gets `sig` (then SIGKILL) when this process ends without forgetting it."""
        started = start_time(pid)
        self._children[pid] = (started, sig)
        self._send(f"watch {pid} {started} {int(sig)}")

    def forget(self, pid: int) -> None:
        """The child was stopped and reaped: nothing to do for it any more."""
        self._children.pop(pid, None)
        self._send(f"forget {pid}")

    def remove_on_exit(self, path: str) -> None:
        self._send(f"remove {os.path.abspath(path)}")

    def kill_all(self) -> None:
        """SIGKILL every child still watched, now: for a quit that ran out of time."""
        for pid, (started, _) in list(self._children.items()):
            if _alive(pid, started):
                _signal(pid, signal.SIGKILL)


GUARD = Guard()


if __name__ == "__main__":
    _main()
