"""The row table paints only what is on screen: first paint of 100k rows against 1k rows, and
the bytes one changed row writes to a 200x60 terminal against a Static update."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from textual.app import App, ComposeResult
from textual.widgets import Static

from bench.common import limit, report
from oc_console.screens.widgets.row_table import Column, Row, RowTable

COLUMNS = (
    Column("POD", 40),
    Column("READY", 5, right=True),
    Column("STATUS", 16),
    Column("AGE", 8),
)
RUNS = 7


def rows(n: int) -> list[Row]:
    return [
        Row(f"pod-{i}", (f"openclaw-adapter-amazon-{i:08d}", "1/1", "Running", f"{i % 90}m"))
        for i in range(n)
    ]


class Bench(App[None]):
    def compose(self) -> ComposeResult:
        yield RowTable(COLUMNS, id="t")
        yield Static("static", id="s")


async def first_paint(data: list[Row]) -> float:
    app = Bench()
    async with app.run_test(size=(200, 60)) as pilot:
        table = app.query_one(RowTable)
        start = time.perf_counter()
        table.set_rows(data)
        await pilot.pause()
        return time.perf_counter() - start


CHANGE_ONE_ROW = """
from textual.app import App
from oc_console.screens.widgets.row_table import Column, Row, RowTable

COLUMNS = (Column("POD", 40), Column("READY", 5, right=True), Column("STATUS", 16))
ROWS = [Row(f"p{i}", (f"openclaw-adapter-amazon-{i:08d}", "1/1", "Running")) for i in range(1000)]

class One(App):
    def compose(self):
        yield RowTable(COLUMNS)

    def on_mount(self):
        self.query_one(RowTable).set_rows(ROWS)
        changed = list(ROWS)
        changed[3] = Row("p3", ("openclaw-adapter-amazon-00000003", "0/1", "CrashLoopBackOff"))
        self.set_timer(1.0, lambda: self.query_one(RowTable).set_rows(changed))

One().run()
"""


def changed_row_bytes() -> tuple[int, int]:
    """Bytes written to a real 200x60 pty for one changed row, and for one Static update."""
    from bench.bench_idle import STATIC_UPDATE
    from bench.terminal import Terminal

    sizes = []
    for code in (CHANGE_ONE_ROW, STATIC_UPDATE):
        term = Terminal([sys.executable, "-c", code], size=(200, 60))
        try:
            term.read_for(0.9)  # the first frame
            sizes.append(len(term.read_for(1.0)))  # exactly one update
        finally:
            term.close()
    return sizes[0], sizes[1]


async def main() -> int:
    small, big = rows(1_000), rows(100_000)
    await first_paint(small)  # warm up
    t_small = statistics.median([await first_paint(small) for _ in range(RUNS)])
    t_big = statistics.median([await first_paint(big) for _ in range(RUNS)])
    row_bytes, static_bytes = changed_row_bytes()
    ok = report("table_paint_100k_vs_1k", t_big * 1000, t_small * 1000, 1.5, "ms")
    print(f"# one Static update writes {static_bytes} B")
    ok = limit("table_one_changed_row_bytes", row_bytes, 2048, "B") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
