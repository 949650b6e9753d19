"""Recording's cost where an on-call engineer pays it: the console itself (`oc-console` in a
terminal at 120x40, on the Overview) against the demo's sandbox (`--scenario all`, run here, so
the CPU measured is the console's own), with `--record` and without, in turn.

Each run settles past the start's second rounds, then its process's CPU (every thread: the UI,
the facade, the sources' threads and the recorder's) is read over a window of whole periods of
the slowest periodic read, as bench_idle reads it. The runs go plain, recording, recording,
plain, ... so the sandbox's drift over the bench (its data grows) weighs on both sides alike.
Recording costs at most 5 % over not recording. (bench_recording prices one frame against the
facade's refresh alone, a stricter stand-in.) BENCH_RECORDING_CONSOLE_ROUNDS sets the pairs of
runs (default 2)."""

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
ROUNDS = int(os.environ.get("BENCH_RECORDING_CONSOLE_ROUNDS", "2"))


def cpu_percent(env: dict[str, str], *args: str) -> float:
    """The console's CPU over WINDOW seconds of its steady state, as a share of one core."""
    term = Terminal.console(*args, env=env)
    try:
        term.wait_for(b"k8s", timeout=60)
        term.read_for(SETTLE)
        cpu0, t0 = term.cpu_seconds(), time.monotonic()
        term.read_for(WINDOW)
        return (term.cpu_seconds() - cpu0) / (time.monotonic() - t0) * 100
    finally:
        term.close()


def main() -> int:
    with Sandbox(parse_scenarios("all")) as sandbox, tempfile.TemporaryDirectory() as tmp:
        env = sandbox.env()
        plain: list[float] = []
        recording: list[float] = []
        frames = 0
        for i in range(2 * ROUNDS):
            if i % 4 in (1, 2):  # plain, recording, recording, plain, ...
                path = Path(tmp) / f"run{i}.ocrec"
                recording.append(cpu_percent(env, "--record", str(path)))
                frames += len(Recording(path))
            else:
                plain.append(cpu_percent(env))
    if not frames:
        skip("recording_console_cpu", "the console recorded no frame")
        return 0
    base, cost = sum(plain) / len(plain), sum(recording) / len(recording)
    print(f"# plain {', '.join(f'{p:.2f}' for p in plain)} %; recording "
          f"{', '.join(f'{r:.2f}' for r in recording)} % ({frames} frames)")  # fmt: skip
    return 0 if report("recording_console_cpu", cost, base, BUDGET, "%") else 1


if __name__ == "__main__":
    sys.exit(main())
