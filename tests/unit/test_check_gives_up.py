"""`check` always ends: whatever hangs past its deadline and the exit's margin, it answers
UNKNOWN (3) in one line, on stderr with --json so stdout holds no half document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HANG = (
    "import importlib, time; m = importlib.import_module('oc_console.cli.main'); "
    "m._give_up_after(0.5, json={json}); time.sleep(30)"
)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_hung_check_answers_unknown_and_exits_3(as_json: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HANG.format(json=as_json)],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert done.returncode == 3
    line = "UNKNOWN - check did not finish within 0.5 s\n"
    assert (done.stderr, done.stdout) == ((line, "") if as_json else ("", line))


ANSWERED = (
    "import importlib, time; m = importlib.import_module('oc_console.cli.main'); "
    "m.CHECK_EXIT_MARGIN_SECONDS = 3.0; "
    "code = m.main(['check', '--replay', {fixture!r}, '--timeout', '0.1', '--json']); "
    "time.sleep(3.5); print('still here', code)"
)


def test_an_answered_check_leaves_nothing_behind_to_give_up() -> None:
    """`check --replay` answers in-process (tests and scripts call it so): once it has
    answered, its give-up timer must not kill the process that called it. The timer is set to
    3.1 s: a replay answers well before it even on a loaded machine, and the caller lives on past
    it."""
    fixture = str(Path(__file__).resolve().parent.parent / "fixtures/recordings/sandbox-oom.ocrec")
    done = subprocess.run(
        [sys.executable, "-c", ANSWERED.format(fixture=fixture)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "UNKNOWN - check did not finish" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("still here 2")
