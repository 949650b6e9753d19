"""Quitting `oc-console demo`: the time from `q` to the process's exit, sandbox stopped, at
80x24 (where a slow quit was seen). The design bounds it at 3 s (oc_console.signals), so the
budget is absolute; the worst of a few runs is reported, since the bound is on every quit."""

from __future__ import annotations

import sys
import time

from bench.common import limit
from bench.terminal import Terminal
from oc_console.signals import QUIT_SECONDS

RUNS = 3
SETTLE = 1.0  # a person reads the first screen before quitting


def quit_seconds() -> float:
    term = Terminal.console("demo", size=(80, 24))
    try:
        term.wait_for(b"CRIT", timeout=90)
        term.read_for(SETTLE)
        start = time.perf_counter()
        term.key_latency(b"q")
        while term.proc.poll() is None:
            term.read_for(0.01)
        return time.perf_counter() - start
    finally:
        term.close()


def main() -> int:
    worst = max(quit_seconds() for _ in range(RUNS))
    ok = limit("quit_demo_q_to_exit", worst, QUIT_SECONDS, unit="s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
