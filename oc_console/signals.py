"""SIGHUP (the terminal went away: a dropped SSH session) and SIGTERM (a kill) end a command the
way Ctrl+C does, so an action under way is cancelled where it stands: the engine writes its end
record ("interrupted") and gives the Lease back, and the process exits 128 + the signal.

Only the first of them counts: a second SIGHUP (the shell passing on its own) or a SIGTERM
right after must not cut short the cleanup the first one started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import stat
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any, NoReturn, Protocol

ENDING = (signal.SIGHUP, signal.SIGTERM)
# After SIGHUP or SIGTERM, what the cleanup (the end record, the Lease's DELETE) may take. It is
# also the bound on the exit: asyncio.run joins its executor's threads, and one blocked in
# input() at a confirmation prompt on a terminal that is still there would hold it for good.
CLEANUP_SECONDS = 10.0


def detach_terminal(fds: tuple[int, ...] = (1, 2)) -> None:
    """Point output that went to a hung-up terminal at /dev/null: such a terminal fails every
    write with EIO, which would otherwise break off the cleanup that follows. A terminal
    still there (SIGHUP sent by hand), a file or a pipe is left alone."""
    for fd in fds:
        with contextlib.suppress(OSError):
            if stat.S_ISCHR(os.fstat(fd).st_mode) and not os.isatty(fd):
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, fd)
                os.close(null)


@dataclass
class Caught:
    signum: int | None = None

    def exit_code(self, code: int) -> int:
        return 128 + self.signum if self.signum is not None else code


@contextlib.contextmanager
def like_ctrl_c() -> Iterator[Caught]:
    """Within the block, SIGHUP and SIGTERM call the SIGINT handler in force (under
    `asyncio.run`, the one that cancels the main task) once, as Ctrl+C would."""
    caught = Caught()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if caught.signum is not None:
            return
        caught.signum = signum
        if signum == signal.SIGHUP:
            detach_terminal()
        threading.Thread(target=_exit_after, args=(CLEANUP_SECONDS, 128 + signum),
                         name="cleanup-deadline", daemon=True).start()  # fmt: skip
        interrupt = signal.getsignal(signal.SIGINT)
        if callable(interrupt):
            interrupt(signal.SIGINT, frame)
        else:  # SIGINT ignored or left to the system: stop here all the same
            raise KeyboardInterrupt

    before = {sig: signal.signal(sig, on_signal) for sig in ENDING}
    try:
        yield caught
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def run_interruptible(work: Callable[[], int]) -> int:
    """`work()`'s exit code, or 128 + the signal when SIGHUP or SIGTERM ended it."""
    with like_ctrl_c() as caught:
        try:
            code = work()
        except KeyboardInterrupt:
            if caught.signum is None:
                raise
            code = 130
    return caught.exit_code(code)


# --- the TUI (`oc-console`, `demo`) and `sandbox` ---

QUIT_SECONDS = 3.0
EXIT_MARGIN = 0.3  # what the last steps (os._exit, the kernel reaping) may take of QUIT_SECONDS
STOP_MARGIN = 0.2  # an orderly stop ends this much before the deadline's forced one
_RESET = "\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[<u\x1b[?1049l\x1b[?25h"


class _App(Protocol):
    """What is needed of the Textual app (this package does not import textual)."""

    @property
    def return_code(self) -> int | None: ...

    def exit(self) -> None: ...

    def when_exiting(self, callback: Callable[[], None]) -> None: ...


class Quit:
    """Leaving, whatever starts it: `q` (the app's exit), SIGHUP or a closed terminal, SIGTERM,
    SIGINT. It starts once; what comes after changes nothing, so the way out cannot be cut
    short. From its start it is bounded: QUIT_SECONDS later, `on_overrun` (kill the sandbox's
    children) runs, the terminal is given back as well as can be, and the process exits."""

    def __init__(self, on_overrun: Callable[[], None] = lambda: None) -> None:
        self.signum: int | None = None
        self.started: float | None = None
        self._on_overrun = on_overrun
        self._lock = threading.Lock()
        self._app: _App | None = None
        self._tty: tuple[int, list[Any]] | None = None
        self._code = 0

    def install(self, app: _App | None) -> None:
        """From the main thread, before the app runs (with no app: the signals only)."""
        self._app = app
        for sig in (*ENDING, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        if app is None:
            return
        app.when_exiting(self._app_exiting)
        with contextlib.suppress(OSError, termios.error):
            if os.isatty(0):
                self._tty = (0, termios.tcgetattr(0))
        watched = [fd for fd in (0, 1, 2) if os.isatty(fd)]
        if watched:
            threading.Thread(target=self._watch, args=(watched,), name="quit-watch",
                             daemon=True).start()  # fmt: skip

    def begin(self, code: int = 0) -> bool:
        """Start leaving (True), or nothing when already under way (False)."""
        with self._lock:
            if self.started is not None:
                return False
            self.started = time.monotonic()
            self._code = code
        threading.Thread(target=self._deadline, name="quit-deadline", daemon=True).start()
        return True

    def left(self) -> float:
        """Seconds left for an orderly stop (the whole budget when not started)."""
        started = time.monotonic() if self.started is None else self.started
        return max(0.0, started + QUIT_SECONDS - EXIT_MARGIN - STOP_MARGIN - time.monotonic())

    def exit_code(self, code: int) -> int:
        return 128 + self.signum if self.signum is not None else code

    def finish(self, code: int) -> NoReturn:
        """Everything is stopped: exit now. The interpreter's own exit would join every
        thread (Textual's input thread may be spinning for good on a closed terminal) and
        tear down every object, which takes most of a second of a bounded quit."""
        _flush()
        os._exit(code)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            detach_terminal()
        if not self.begin(128 + signum):
            return
        self.signum = signum
        app = self._app
        if app is None:
            return
        try:  # wake the app's loop now: its select would not return for a plain call
            asyncio.get_running_loop().call_soon_threadsafe(app.exit)
        except RuntimeError:
            app.exit()

    def _app_exiting(self) -> None:
        """`q`, or anything else that ends the app (its return code is set): the way out is
        bounded from here, not from when the app's last screen has closed."""
        app = self._app
        if app is not None and app.return_code is not None:
            self.begin(app.return_code)

    def _watch(self, fds: list[int]) -> None:
        """Notice a terminal that hung up: a closed terminal reads as end-of-file, on which
        Textual's input thread would spin. Without a timeout: an idle console's thread sleeps
        until the terminal goes (a pty whose other side closed reports POLLHUP)."""
        poller = select.poll()
        for fd in fds:
            poller.register(fd, 0)  # only hang-up and errors, which poll always reports
        while True:
            events = poller.poll()
            hung = any(ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, ev in events)
            if hung or not all(os.isatty(fd) for fd in fds):
                # as if SIGHUP: on the main thread, whose handler does the rest
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGHUP)
                return

    def _deadline(self) -> None:
        assert self.started is not None
        time.sleep(max(0.0, self.started + QUIT_SECONDS - EXIT_MARGIN - time.monotonic()))
        with contextlib.suppress(Exception):
            self._on_overrun()
        if self._tty is not None:
            fd, attrs = self._tty
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, attrs)
                os.write(2, _RESET.encode())
        _flush()
        os._exit(self.exit_code(self._code))


def _exit_after(seconds: float, code: int) -> None:
    time.sleep(seconds)
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        logging.shutdown()
