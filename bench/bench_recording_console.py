"""Recording's cost where an on-call engineer pays it: the console itself (`oc-console` in a
terminal at 120x40, on the Overview) against the demo's sandbox (`--scenario all`, run here, so
the CPU measured is the consoles' own): one console with `--record` and one without, side by
side, started together, so both see the same incidents unfold and read on the same schedule.

Past the start's second rounds, each process's CPU (every thread: the UI, the facade, the
sources' threads and the recorder's) is read over the same window of whole periods of the
slowest periodic read, as bench_idle reads it. Recording costs at most 5 % over not recording.
(bench_recording prices one frame against the facade's refresh alone, a stricter stand-in.)
Pairs within one run differ by a few percent either way (the sources' reads and the collector's
passes fall in one window or the next), so several are run in turn and summed:
BENCH_RECORDING_CONSOLE_ROUNDS sets how many (default 5, about nine minutes)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_idle import SETTLE, WINDOW
from bench.common import report, skip
from bench.terminal import Terminal
from oc_console.recording.reader import Recording
from oc_console.sandbox.runner import Sandbox, parse_scenarios

BUDGET = 1.05
ROUNDS = int(os.environ.get("BENCH_RECORDING_CONSOLE_ROUNDS", "5"))


def side_by_side(env: dict[str, str], path: Path) -> tuple[float, float]:
    """The CPU of a console without recording and of one recording to `path`, over the same
    WINDOW seconds of their steady state, each as a share of one core."""
    plain = Terminal.console(env=env)
    recording = Terminal.console("--record", str(path), env=env)
    both = (plain, recording)
    try:
        for term in both:
            term.wait_for(b"k8s", timeout=60)
        _read_all(both, SETTLE)
        cpu0, t0 = [t.cpu_seconds() for t in both], time.monotonic()
        _read_all(both, WINDOW)
        spent = [t.cpu_seconds() - c for t, c in zip(both, cpu0, strict=True)]
        elapsed = time.monotonic() - t0
    finally:
        for term in both:
            term.close()
    return spent[0] / elapsed * 100, spent[1] / elapsed * 100


def _read_all(terms: tuple[Terminal, ...], seconds: float) -> None:
    """Drain every terminal for `seconds` (a console whose output is not read blocks)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        for term in terms:
            term.read_for(min(0.05, left / len(terms)))


def main() -> int:
    with Sandbox(parse_scenarios("all")) as sandbox, tempfile.TemporaryDirectory() as tmp:
        env = sandbox.env()
        plain: list[float] = []
        recording: list[float] = []
        frames = 0
        for i in range(ROUNDS):
            path = Path(tmp) / f"run{i}.ocrec"
            without, with_ = side_by_side(env, path)
            plain.append(without)
            recording.append(with_)
            frames += len(Recording(path))
    if not frames:
        skip("recording_console_cpu", "the console recorded no frame")
        return 0
    base, cost = sum(plain) / len(plain), sum(recording) / len(recording)
    print(f"# plain {', '.join(f'{p:.2f}' for p in plain)} %; recording "
          f"{', '.join(f'{r:.2f}' for r in recording)} % ({frames} frames)")  # fmt: skip
    return 0 if report("recording_console_cpu", cost, base, BUDGET, "%") else 1


if __name__ == "__main__":
    sys.exit(main())
