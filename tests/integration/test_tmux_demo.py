"""`oc-console demo` as a person runs it: the real binary in tmux at 80x24, keys typed, the
screen read back, and nothing left running after `q`."""

from __future__ import annotations

import os
import re
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


def flat(screen: str) -> str:
    """The screen's text without box borders, wrapped lines joined: for text that wraps."""
    rows = [line.strip(" │╭╮╰╯─") for line in screen.splitlines()]
    return " ".join(" ".join(rows).split())


class Demo:
    """`oc-console demo` (every scenario) in a tmux session of the given size."""

    def __init__(self, tmp_path: Path, size: tuple[int, int] = (80, 24), env: str = "") -> None:
        self.session = f"oc-{uuid.uuid4().hex[:8]}"
        self.done = tmp_path / "exit-code"
        # the pane stays a little after the exit, so what the console left can be read
        command = f"{env} {BIN} demo; echo $? > {self.done}; sleep 20"
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


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_at_80x24_prompts_filters_why_and_pod_names(tmp_path: Path) -> None:
    demo = Demo(tmp_path)
    try:
        demo.shows("CRIT")
        time.sleep(1)  # a person reads the first screen before typing
        demo.keys(":", "adap")  # typed at once: the keys after `:` belong to the prompt
        assert demo.shows(":adap").splitlines()[-1].strip() == ":adap"
        demo.keys("Escape")
        demo.shows("? help")  # the prompt closed, the footer is back
        demo.keys("3")
        demo.shows("sorted by severity")
        demo.keys("/", "amazon")
        assert demo.shows("/amazon").splitlines()[-1].strip() == "/amazon"
        demo.keys("Enter")
        adapters = demo.shows("filter: amazon")
        assert "shopee" not in adapters  # filtered, and the title says so
        demo.keys("Escape")
        time.sleep(0.5)
        assert "filter:" not in demo.screen() and "shopee" in demo.screen()

        # the crash loop's Why: the previous container's last lines, whole, wrapped
        demo.keys("1")
        demo.shows("Why")
        demo.keys("/", "crashing")
        demo.shows("/crashing")
        demo.keys("Enter")
        demo.shows("filter: crashing")
        top = demo.shows("previous log of")
        demo.keys("Tab")
        time.sleep(0.3)
        demo.keys("End")
        time.sleep(0.5)
        why = flat(top) + " " + flat(demo.screen())
        assert (
            'failed to list ShopSyncPolicy: no matches for kind "ShopSyncPolicy" in version' in why
        )
        assert (
            "CustomResourceDefinition shopsyncpolicies.openclaw.io v1beta2 not served; exiting"
            in why
        )

        # three amazon pods, told apart by the suffix their middle cut keeps
        demo.keys("3")
        demo.shows("sorted by severity")
        demo.keys("/", "amazon")
        demo.shows("/amazon")
        demo.keys("Enter")
        demo.shows("filter: amazon")
        demo.keys("Enter")
        pods = demo.shows("LAST TERMINATION")
        rows = [line.strip("│▶ ") for line in pods.splitlines() if "OOMKilled 137 · " in line]
        names = [row.split()[0] for row in rows]
        assert len(names) == 3 and len(set(names)) == 3, pods
        assert all(n.startswith("openclaw-adapte") and "…" in n for n in names)
        assert demo.quit() == "0"
    finally:
        demo.close()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_without_colour(tmp_path: Path) -> None:
    demo = Demo(tmp_path, env="NO_COLOR=1")
    try:
        overview = demo.shows("▶CRIT")  # the selected row has a marker, severities are words
        assert "WARN " in overview
        demo.keys("5")
        # the severity as a word, once the cluster's first list has landed
        certs = demo.shows("WARN openclaw-api-tls")
        assert "soonest expiry first" in certs
        assert demo.quit() == "0"
        assert "Traceback" not in demo.screen()
    finally:
        demo.close()


ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
# each numbered screen, and what it shows once it is up
NUMBERED = {
    "1": "Findings",
    "2": "Idle in transaction, oldest first",
    "3": "sorted by severity",
    "4": "warnings first, newest first",
    "5": "soonest expiry first",
    "6": "Orders not synced",
    "7": "Releases",
    "8": "Changes, last",
}


def still_running(demo: Demo) -> None:
    """The console has not ended (the shell writes its exit code when it does), and nothing on
    screen is a traceback."""
    shown = demo.screen()
    assert not demo.done.exists(), f"the console ended with {demo.done.read_text()!r}:\n{shown}"
    assert "Traceback" not in shown, shown


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_without_colour_on_every_screen_and_an_order_timeline(tmp_path: Path) -> None:
    demo = Demo(tmp_path, env="NO_COLOR=1")
    try:
        demo.shows("●k8s")  # the cluster answered: every screen has rows to paint
        for key, title in NUMBERED.items():
            demo.keys(key)
            demo.shows(title)
            still_running(demo)
        # `6` then `enter`: the newest order of the first group, once the orders have landed
        demo.keys("6")
        deadline = time.monotonic() + 60
        while not ORDER_ID.search(demo.screen()):
            assert time.monotonic() < deadline, demo.screen()
            time.sleep(0.2)
        demo.keys("Enter")
        demo.shows("l: logs")
        time.sleep(2)  # every part arrives and is painted, blank lines under the rows too
        still_running(demo)
        # `o`, then the id typed key by key, as a person does
        demo.keys("Escape")
        demo.keys("o")
        demo.shows(":order")
        for ch in "114-3941689-8772232":
            demo.keys(ch)
        demo.keys("Enter")
        demo.shows("Order 114-3941689-8772232")
        demo.shows("spans")
        time.sleep(2)
        still_running(demo)
        assert demo.quit() == "0"
    finally:
        demo.close()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_crash_in_the_console_exits_non_zero(tmp_path: Path) -> None:
    """An unhandled exception in a key's action (one is put in for the test) ends the console
    with a non-zero code, never 0."""
    session = f"oc-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    crash = (
        "import sys; import oc_console.screens.app as a; "
        "a.ConsoleApp.action_help = lambda self: 1 / 0; "
        "from oc_console.cli import main; sys.exit(main([]))"
    )
    # the tmux server's environment is not the test's: the test's isolated home, said out loud
    env = " ".join(f"{k}={os.environ[k]}" for k in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"))
    command = (
        f"cd {Path(__file__).parents[2]} && {env} {sys.executable} -c '{crash}'; echo $? > {done}"
    )
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        screen_shows(session, "Findings")
        tmux("send-keys", "-t", session, "?")
        deadline = time.monotonic() + 30
        while not done.exists():
            assert time.monotonic() < deadline, "the console did not end on its crash"
            time.sleep(0.2)
        assert done.read_text().strip() not in ("", "0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
