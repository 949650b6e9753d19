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

from tests.integration.tmux_demo import BIN, Demo, flat, screen_shows, tmux

pytestmark = pytest.mark.integration


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_in_tmux_at_80x24(tmp_path: Path) -> None:
    demo = Demo(tmp_path, program=f"{BIN} demo --scenario pool")
    try:
        overview = demo.shows("sit idle in transaction")
        assert "●pg" in overview.splitlines()[0]  # the header: PostgreSQL up, with its age
        assert "CRIT" in overview
        demo.keys("2")
        database = demo.shows("Idle in transaction, oldest first")
        assert "openclaw-adapter-amazon" in database
        assert "Blocking tree" in database
        assert demo.quit() == "0"
    finally:
        demo.close()


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
