"""The Changes screen paints in time independent of how much changed: 1,000 changes over a
6-hour window against 100 (the same axis, the same signals; only visible rows are built)."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.common import report
from oc_console.config import Config
from oc_console.domain.changes import ROLLOUT, Change
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot
from oc_console.screens.app import make_app
from oc_console.screens.changes import ChangesScreen
from oc_console.services.console import Console

RUNS = 7
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
WINDOW = timedelta(hours=6)


def changes(n: int) -> tuple[Change, ...]:
    step = WINDOW / n
    return tuple(
        Change(NOW - i * step, ROLLOUT, f"openclaw/openclaw-adapter-p{i % 40}",
               f"rollout to revision {i} (image adapter:{i})", ("image of adapter: a -> b",))
        for i in range(n)
    )  # fmt: skip


def signals() -> MetricsSnapshot:
    start = (NOW - WINDOW).timestamp()
    history = tuple((start + 60 * i, 0.02 + (i % 7) / 100) for i in range(360))
    return MetricsSnapshot(
        adapters=tuple(
            AdapterMetrics(platform=f"p{i}", error_ratio_history=history) for i in range(7)
        )
    )


async def paint(n: int) -> float:
    console = Console(Config())
    app = make_app(console, poll_sources=False)
    async with app.run_test(size=(120, 40)) as pilot:
        base = dataclasses.replace(console.snapshot(), generated_at=NOW, metrics=signals())
        app.switch_mode("changes")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        screen.action_window()  # six hours
        await pilot.pause()
        snap = dataclasses.replace(base, changes=changes(n))
        start = time.perf_counter()
        app.snapshot = snap
        await pilot.pause()
        return time.perf_counter() - start


async def main() -> int:
    await paint(100)  # warm up
    small = statistics.median([await paint(100) for _ in range(RUNS)])
    big = statistics.median([await paint(1_000) for _ in range(RUNS)])
    ok = report("changes_paint_1000_vs_100", big * 1000, small * 1000, 1.5, "ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
