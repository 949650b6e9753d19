"""What one Prometheus refresh costs.

- prometheus_queries_per_refresh: HTTP requests one refresh sends for a 7-platform fleet,
  against the same for a 1-platform fleet; the budget is that the cost does not grow with the
  fleet (ratio 1.0).
- prometheus_refresh_slow_server: seconds for one refresh when every query takes 2 s, against
  those 2 s; queries run side by side, so a refresh costs one round trip, not nine.

Run: .venv/bin/python -m bench.bench_prometheus
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report
from bench.http_stubs import proxy
from oc_console.config import PrometheusConfig
from oc_console.sandbox.metrics import MetricsSandbox, SandboxPod
from oc_console.sources.prometheus import PrometheusSource

PLATFORMS = ("amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify")
SLOW_SECONDS = 2.0


def pods(platforms: tuple[str, ...]) -> list[SandboxPod]:
    return [
        SandboxPod(
            "openclaw", f"openclaw-adapter-{p}-7d9f8c6b5-{i}x2k9", "adapter", p, 2**29, 0, None
        )
        for p in platforms
        for i in range(3)
    ]


async def refresh(url: str, timeout: float = 5.0) -> float:
    source = PrometheusSource(PrometheusConfig(url=url, timeout_seconds=timeout), ("openclaw",))
    try:
        await source.fetch()  # the first refresh also imports the client
        started = time.perf_counter()
        await source.fetch()
        return time.perf_counter() - started
    finally:
        await source.close()


def stand_in(platforms: tuple[str, ...], workdir: Path) -> MetricsSandbox:
    sandbox = MetricsSandbox(
        workdir, lambda: pods(platforms), frozenset({"all"}), use_prometheus=False
    )
    sandbox.start()
    return sandbox


def queries_for(platforms: tuple[str, ...], workdir: Path) -> int:
    sandbox = stand_in(platforms, workdir)
    hits: list[str] = []
    counter = proxy(sandbox.url, hits=hits)
    try:
        asyncio.run(refresh(counter.url))
    finally:
        counter.stop()
        sandbox.stop()
    return len(hits) // 2  # two refreshes


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fleet = queries_for(PLATFORMS, Path(tmp) / "fleet")
        one = queries_for(PLATFORMS[:1], Path(tmp) / "one")
        ok = report("prometheus_queries_per_refresh", fleet, one, 1.0)
        sandbox = stand_in(PLATFORMS, Path(tmp) / "slow")
        slow = proxy(sandbox.url, delay=SLOW_SECONDS)
        try:
            seconds = asyncio.run(refresh(slow.url, timeout=SLOW_SECONDS * 3))
        finally:
            slow.stop()
            sandbox.stop()
    ok = report("prometheus_refresh_slow_server", seconds, SLOW_SECONDS, 1.5, "s") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
