"""Backend text that carries terminal control sequences, shown by the real app on a real
terminal (a pty): the bytes the terminal receives hold the text made visible, never the
sequences themselves."""

from __future__ import annotations

import os
import sys
import time

from bench.terminal import Terminal
from tests.ui.hostile_app import HOSTILE

FORBIDDEN = {
    "osc52": HOSTILE["osc52"][:8].encode(),  # ESC ] 5 2 ; c ; c
    "osc0": b"\x1b]0;PWNED",
    "clear": b"\x1b[2JCLEARED",
    "csi8": "\x9b".encode(),  # C1 CSI as UTF-8 (a terminal in UTF-8 mode reads it as CSI)
    "bidi": "\u202e".encode(),
}
VISIBLE = {
    "osc52": "␛]52;c;".encode(),
    "osc0": "␛]0;PWNED-TITLE␇".encode(),
    "clear": "␛[2JCLEARED".encode(),
    "csi8": b"\\x9b31mEIGHTBIT",
    "bidi": b"<U+202E>REVERSED",
    "markup": b"[bold red]not markup[/]",
}


# screens that show the text: overview (findings, Why), database, events, describe
STEPS = (
    (b"", b"Findings"),
    (b"2", b"Idle in transaction"),
    (b"4", b"Events"),
    (b"1", b"Findings"),
    (b"d", b"esc close"),
)


def test_control_sequences_in_backend_text_never_reach_the_terminal() -> None:
    term = Terminal([sys.executable, "-m", "tests.ui.hostile_app"], size=(200, 50))
    out = bytearray()
    try:
        for key, wait_for in STEPS:
            if key:
                os.write(term.master, key)
            before = len(out)
            deadline = time.monotonic() + 30
            while wait_for not in out[before:]:
                assert time.monotonic() < deadline, f"{wait_for!r} never shown"
                assert term.proc.poll() is None, out.decode(errors="replace")[-2000:]
                out += term.read_for(0.2)
            out += term.read_for(0.5)
        os.write(term.master, b"\x1bq")
        out += term.read_for(1.0)
    finally:
        term.close()
    for name, sequence in FORBIDDEN.items():
        assert sequence not in out, f"{name} reached the terminal"
    for name, shown in VISIBLE.items():
        assert shown in out, f"{name} was not shown visibly"
