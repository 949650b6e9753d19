"""Idle: bytes/s the console writes to its terminal and the CPU it uses when nothing changes,
against one Static update measured the same way."""

from __future__ import annotations

import sys
import time

from bench.common import limit
from bench.terminal import Terminal
from oc_console.sandbox.runner import Sandbox

# Idle is the steady state: past the start's second rounds (the log sampler's and Prometheus's
# come 30 s in), over whole periods of the slowest periodic read (30 s), so each read weighs on
# the average as often as it comes. (An 8 s window 5 s after the first frame read 1.2-1.9 % where
# this reads 0.7-0.8 %: how much of the start's work it caught.)
SETTLE = 35.0
WINDOW = 60.0

STATIC_UPDATE = """
from textual.app import App
from textual.widgets import Static

class One(App):
    def compose(self):
        yield Static("before", id="s")
    def on_mount(self):
        self.set_timer(1.0, lambda: self.query_one("#s", Static).update("after!"))

One().run()
"""


def main() -> int:
    baseline = Terminal([sys.executable, "-c", STATIC_UPDATE])
    try:
        baseline.read_for(0.9)  # the first frame
        static_update = len(baseline.read_for(1.0))  # exactly one Static update
    finally:
        baseline.close()

    # the sandbox runs here, so the CPU measured is the console's own
    with Sandbox(frozenset()) as sandbox:
        return idle(sandbox, static_update)


def idle(sandbox: Sandbox, static_update: int) -> int:
    flags = sandbox.flags()
    term = Terminal.console(
        "--pg-dsn", str(flags["postgres.dsn"]), "--kubeconfig", str(flags["kubernetes.kubeconfig"]),
        "--context", str(flags["kubernetes.context"]), "--prometheus", str(flags["prometheus.url"]),
    )  # fmt: skip
    try:
        term.wait_for(b"k8s", timeout=60)
        term.read_for(SETTLE)
        cpu0, t0 = term.cpu_seconds(), time.monotonic()
        written = len(term.read_for(WINDOW))
        cpu = (term.cpu_seconds() - cpu0) / (time.monotonic() - t0) * 100
    finally:
        term.close()
    print(f"# one Static update writes {static_update} B")
    ok = limit("idle_bytes_per_s", written / WINDOW, 0, unit="B")
    ok = limit("idle_cpu_percent", cpu, 1.0, unit="%") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
