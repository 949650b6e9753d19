"""Cold start to the first useful frame (the Overview with pool data painted), against a bare
Textual hello-world, both as fresh headless processes in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.common import limit, report

RUNS = 5

HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")

async def auto(pilot):
    await pilot.pause()
    pilot.app.exit()

Hello().run(headless=True, size=(120, 40), auto_pilot=auto)
"""

CONSOLE = """
import sys
from oc_console.cli.main import build_parser, _load
from oc_console.services.console import Console
from oc_console.screens.app import make_app

args = build_parser().parse_args(["--pg-dsn", sys.argv[1]])
app = make_app(Console(_load(args)))

async def auto(pilot):
    while app.snapshot is None or app.snapshot.database is None:
        await pilot.pause(0.005)
    await pilot.pause()  # the frame with the data is painted
    app.exit()

app.run(headless=True, size=(120, 40), auto_pilot=auto)
"""


def wall(code: str, *args: str) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    from oc_console.sandbox.database import SandboxDatabase

    with TemporaryDirectory() as tmp:
        db = SandboxDatabase(Path(tmp), pool_scenario=True).start()
        try:
            wall(HELLO)  # warm the OS file cache for both
            hello = wall(HELLO)
            console = wall(CONSOLE, db.dsn)
        finally:
            db.stop()
    ok = report("cold_start_first_frame", console, hello, 4.0, unit="s")
    ok = limit("cold_start_absolute", console, 0.8, unit="s") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
