"""The way out, in small real processes: a signal during an action ends it as Ctrl+C does and
a second one cannot cut the cleanup short; a quit whose cleanup hangs still ends, in bounded
time, after killing the children; and a thread stuck in asyncio's default executor (a source
on a dead server) does not hold the app's exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from oc_console.signals import CLEANUP_SECONDS, QUIT_SECONDS

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SLACK = 1.5  # for a loaded test machine


def python(code: str, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


ACTION = """
    import asyncio, os, signal, sys
    from oc_console.signals import run_interruptible

    async def action():
        try:
            os.kill(os.getpid(), signal.SIGHUP)  # the SSH session drops mid-verify
            await asyncio.sleep(30)
            print("verified", flush=True)
        except asyncio.CancelledError:
            os.kill(os.getpid(), signal.SIGTERM)  # the shell passes a signal on: changes nothing
            await asyncio.sleep(0.2)
            print("end record written", flush=True)
            raise

    sys.exit(run_interruptible(lambda: asyncio.run(action())))
"""


def test_sighup_cancels_the_action_once_and_exits_129() -> None:
    done = python(ACTION)
    assert done.stdout == "end record written\n", done.stderr
    assert done.returncode == 129


PROMPT = """
    import asyncio, os, signal, sys
    from oc_console.signals import run_interruptible

    async def confirm():
        asyncio.get_running_loop().call_later(0.3, os.kill, os.getpid(), signal.SIGTERM)
        return await asyncio.to_thread(input, "[y/N] ")  # nobody answers

    sys.exit(run_interruptible(lambda: asyncio.run(confirm())))
"""


def test_sigterm_at_a_prompt_nobody_answers_still_exits() -> None:
    """asyncio.run would wait for the thread blocked in input() for good."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PROMPT)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.wait(CLEANUP_SECONDS + SLACK + 2) == 128 + 15
    finally:
        proc.kill()
        proc.wait()


HUNG_QUIT = """
    import signal, sys, time
    from pathlib import Path
    from oc_console.signals import Quit

    quit = Quit(on_overrun=lambda: Path(sys.argv[1]).write_text("children killed"))
    quit.install(None)
    signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)  # a second signal: not a way to cut the quit short
    print("quitting", flush=True)
    time.sleep(60)  # a stop that hangs
"""


def test_a_quit_whose_cleanup_hangs_kills_the_children_and_exits_in_bounded_time(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "overrun"
    start = time.monotonic()
    done = python(HUNG_QUIT, str(marker))
    took = time.monotonic() - start
    assert done.stdout == "quitting\n", done.stderr
    assert marker.read_text() == "children killed"
    assert done.returncode == 128 + 15  # SIGTERM started it
    assert took <= QUIT_SECONDS + SLACK + 1.0  # + the interpreter's start


Q_THEN_HANG = """
    import sys, time
    from oc_console.signals import Quit

    class App:  # what Quit needs of the Textual app
        return_code = None
        leaving = []

        def exit(self):
            self.return_code = 3
            for callback in self.leaving:
                callback()

        def when_exiting(self, callback):
            self.leaving.append(callback)

    app = App()
    Quit().install(app)
    app.exit()  # `q`
    print("quitting", flush=True)
    time.sleep(60)  # the app's close hangs: app.run() never returns
"""


def test_the_bound_starts_when_the_app_starts_leaving() -> None:
    """Nothing looks every so often whether `q` was pressed: the app says so as it leaves."""
    start = time.monotonic()
    done = python(Q_THEN_HANG)
    took = time.monotonic() - start
    assert done.stdout == "quitting\n", done.stderr
    assert done.returncode == 3
    assert took <= QUIT_SECONDS + SLACK + 1.0  # + the interpreter's start


STUCK_EXECUTOR = """
    import asyncio, os, threading, time
    from oc_console.config_loading import load_config
    from oc_console.services.console import Console
    from oc_console.screens.app import make_app

    app = make_app(Console(load_config(None, {})), poll_sources=False)
    never = threading.Event()

    async def auto(pilot):
        # as a source's start blocked on a cluster that never answers
        asyncio.get_running_loop().run_in_executor(None, never.wait)
        await pilot.pause()
        app.exit()

    start = time.monotonic()
    app.run(headless=True, size=(80, 24), auto_pilot=auto)
    print(f"{time.monotonic() - start:.2f}", flush=True)
    os._exit(0)  # as the CLI leaves: the stuck thread is not joined
"""


def test_a_thread_stuck_in_the_default_executor_does_not_hold_the_app_exit() -> None:
    try:
        done = python(STUCK_EXECUTOR, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("app.run() never returned: asyncio.run joined the stuck executor thread")
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) < 10
