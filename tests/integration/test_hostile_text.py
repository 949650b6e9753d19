"""Hostile backend text through the real pipeline.

The sandbox's `hostile` scenario puts terminal control sequences (OSC 52 clipboard write, OSC 0
window title, CSI 2J, the 8-bit CSI U+009B, the bidi override U+202E) into an adapter's JSON
log lines, into the SQL comment of a session left idle in transaction, and into an Event's
message. Neither `check` nor the console on a terminal may pass any of them through; the text
itself must still be there, shown inert.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.sandbox import hostile
from oc_console.sandbox.runner import Sandbox, parse_scenarios

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent / "oc-console"

# Bytes that must never reach the terminal from the injected text.
RAW = {
    "ESC": b"\x1b",
    "8-bit CSI (U+009B)": hostile.CSI_8BIT[0].encode(),
    "bidi override (U+202E)": hostile.BIDI_OVERRIDE.encode(),
}
# The console writes ESC sequences of its own, so on its terminal look for the injected ones,
# with the word the scenario puts in front of each where the sequence alone could be the app's.
INJECTED = {
    "OSC 52": b"\x1b]52;",
    "OSC 0": b"\x1b]0;pwned",
    "CSI 2J": b"clear" + hostile.CSI_CLEAR.encode(),
    "8-bit CSI (U+009B)": hostile.CSI_8BIT[0].encode(),
    "bidi override (U+202E)": hostile.BIDI_OVERRIDE.encode(),
}
# What is left of the text once it is shown inert: the OSC 52 payload.
VISIBLE = b"cHduZWQ="


def clean_env(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBECONFIG"))}
    env.update(HOME=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"), **extra)
    env.pop("NO_COLOR", None)
    return env


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    # crashloop: its previous-container log tail is finding evidence, so the hostile line in
    # it reaches `check`'s findings, not only the screens.
    workdir = tmp_path_factory.mktemp("hostile")
    with Sandbox(parse_scenarios("crashloop,hostile"), workdir) as started:
        yield started


def run_check(sandbox: Sandbox, tmp: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(
        [str(BIN), "check", *args],
        env=clean_env(tmp, sandbox.env()),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr.decode(errors="replace")  # the crash loop
    return done


def leaks(output: bytes, patterns: dict[str, bytes]) -> list[str]:
    return [name for name, raw in patterns.items() if raw in output]


def test_check_text_writes_no_control_sequences(sandbox: Sandbox, tmp_path: Path) -> None:
    out = run_check(sandbox, tmp_path).stdout
    assert out.startswith(b"CRITICAL") and b"adapter-crashloop" in out
    assert leaks(out, RAW) == []


def test_check_json_keeps_the_text_but_not_its_control_bytes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    out = run_check(sandbox, tmp_path, "--json").stdout
    failures = [f"check --json wrote a raw {name}" for name in leaks(out, RAW)]
    crashloop = next(f for f in json.loads(out)["findings"] if f["id"] == "adapter-crashloop")
    if not any(VISIBLE.decode() in line for line in crashloop["evidence"]):
        failures.append(f"the crash loop's log tail is not in its evidence: {crashloop}")
    assert not failures, "\n".join(failures)


class Terminal:
    """The real binary on a pseudo-terminal, as ssh would run it: bytes in, bytes out."""

    def __init__(self, argv: list[str], env: dict[str, str], rows: int, cols: int) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)

    def read(self, seconds: float, until: bytes | None = None) -> bytes:
        """What the app writes for `seconds`, or until `until` has appeared."""
        out = b""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until in out):
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    out += os.read(self.master, 1 << 16)
                except OSError:  # the app exited and the pty closed
                    break
        return out

    def press(self, keys: bytes, seconds: float) -> bytes:
        os.write(self.master, keys)
        return self.read(seconds)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.write(self.master, b"q")
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
        os.close(self.master)


def test_demo_shows_hostile_text_inert_on_every_screen(tmp_path: Path) -> None:
    env = clean_env(tmp_path, {"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    term = Terminal([str(BIN), "demo", "--scenario", "hostile"], env, rows=50, cols=200)
    try:
        start = term.read(90, until="●k8s".encode())
        assert "●k8s".encode() in start, start[-2000:]
        start += term.read(3)  # the first data from every source
        steps = {
            "overview": start,
            "database (2)": term.press(b"2", 4),
            "events (4)": term.press(b"4", 4),
            "adapters (3)": term.press(b"3", 2),
            "adapter detail (enter)": term.press(b"\r", 3),
            "adapter logs (l)": term.press(b"l", 5),
        }
    finally:
        term.close()
    failures = [
        f"{screen}: {name} reached the terminal"
        for screen, out in steps.items()
        for name in leaks(out, INJECTED)
    ]
    # the hostile text was on each of these screens (shown inert, or raw: see failures)
    for screen in ("database (2)", "events (4)", "adapter logs (l)"):
        if VISIBLE not in steps[screen]:
            failures.append(f"{screen}: the hostile text never appeared")
    assert not failures, "\n".join(failures)
