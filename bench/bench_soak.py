"""A shift-long console, time compressed: the demo's facade (`demo --scenario all`, no UI) read
as the UI reads it, one UI refresh per cycle, with the console's clock moved on one refresh
interval per cycle, while one adapter's log is followed and read as the Logs screen reads it.

The sandbox runs in a child process, so the RSS and CPU measured here are the facade's alone.
After a warm-up (the first virtual minutes: caches, first lists, the log's first tail, and the
log sampler's first rounds, which run on the wall clock), it reports:
- RSS growth per hour (a least-squares slope over the measured cycles), against a fixed 1 MiB/h;
- CPU per refresh as a share of one core at the UI's refresh rate, against a fixed 2 %;
- CPU per refresh late in the run against early in it (work per refresh must not grow with what
  the console holds), measured in the same run.
BENCH_SOAK_HOURS sets the measured virtual hours (default 1)."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from bench.common import limit, report, skip

WARM_UP = timedelta(minutes=10)
HOURS = float(os.environ.get("BENCH_SOAK_HOURS", "1"))
SAMPLE_EVERY = 25  # cycles between RSS samples
RSS_BUDGET_MIB_PER_HOUR = 1.0
CPU_BUDGET_PCT = 2.0
STEADY_BUDGET = 1.3  # late CPU per refresh / early, same run
SANDBOX_START_SECONDS = 240.0
SAMPLER_ROUNDS = 3  # log sampler rounds before measuring (its steady state)
STEADY_SECONDS = 150.0  # wall-clock time allowed for them


def serve() -> int:
    """The child: the demo's sandbox; prints its config flags as one JSON line, stops at EOF."""
    from oc_console.sandbox.runner import Sandbox, parse_scenarios

    sandbox = Sandbox(parse_scenarios("all")).start()
    try:
        print(json.dumps(sandbox.flags()), flush=True)
        sys.stdin.read()
    finally:
        sandbox.stop()
    return 0


class VirtualTime:
    """The console's wall clock and monotonic clock, moved on by hand."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)
        self.mono = 0.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        self.mono += seconds


def log_rounds(console: Any) -> int:
    source = console.kube.source
    return source.log_rounds if source is not None else 0


def slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


async def soak(flags: dict[str, Any]) -> bool:
    from oc_console.config_loading import load_config
    from oc_console.services.console import Console

    clock = VirtualTime()
    config = load_config(flags=flags, environ={})
    console = Console(config, context_label="sandbox", clock=clock.now)
    for poller in console.pollers:
        poller.monotonic = clock.monotonic
    interval = config.ui.refresh_seconds
    try:
        snap = await console.fresh(first_data_within=60.0)
        running = [(p, c) for p in (snap.fleet.pods if snap.fleet else ()) if p.platform
                   and p.phase == "Running" and not p.deleting
                   for c in p.app_containers if c.state == "running"]  # fmt: skip
        if not running:
            skip("soak", "the sandbox listed no running adapter container to follow")
            return True
        pod, container = running[0][0], running[0][1].name
        stream = console.follow_logs(pod.namespace, pod.name, container)

        async def cycle() -> None:
            clock.advance(interval)
            await console.refresh()  # each source on its own schedule, in virtual time
            console.snapshot()  # what the Overview redraws from
            stream.lines()  # what the Logs screen redraws from

        for _ in range(int(WARM_UP.total_seconds() / interval)):
            await cycle()
        # The log sampler reads on the wall clock (every 30 s), and until its second round
        # the snapshot and the sampler never hold two rounds of tails at once: that step would
        # read as growth. Measure once the sampler is in its steady state.
        steady_by = time.monotonic() + STEADY_SECONDS
        while log_rounds(console) < SAMPLER_ROUNDS and time.monotonic() < steady_by:
            await cycle()
            await asyncio.sleep(0.05)  # a wall-clock pause: the sampler's thread reads
        print(f"# following {pod.name}/{container}; log sampler rounds before measuring: "
              f"{log_rounds(console)}")  # fmt: skip
        cycles = int(HOURS * 3600 / interval)
        proc = psutil.Process()
        rss: list[tuple[float, float]] = []
        cpu: list[float] = []
        for i in range(cycles):
            if i % SAMPLE_EVERY == 0:
                gc.collect()
                rss.append((i, proc.memory_info().rss / 2**20))
            start = time.process_time()
            await cycle()
            cpu.append(time.process_time() - start)
        if stream.error or stream.ended:
            skip("soak", f"the followed log ended: {stream.error or 'end of stream'}")
            return True
        stream.stop()
    finally:
        await console.close()
    per_hour = slope(rss) * 3600 / interval
    tenth = max(1, len(cpu) // 10)
    early = sum(cpu[:tenth]) / tenth
    late = sum(cpu[-tenth:]) / tenth
    mean = sum(cpu) / len(cpu)
    ok = limit("soak_rss_growth_per_hour", per_hour, RSS_BUDGET_MIB_PER_HOUR, "MiB")
    ok &= limit("soak_cpu_share_per_refresh", mean / interval * 100, CPU_BUDGET_PCT, "%")
    ok &= report("soak_cpu_per_refresh_late_vs_early", late * 1e3, early * 1e3, STEADY_BUDGET, "ms")
    return ok


def main() -> int:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_soak", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line:
            skip("soak", "the sandbox did not start")
            return 0
        ok = asyncio.run(soak(json.loads(line)))
    finally:
        child.stdin.close()
        child.wait(60)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(serve() if "--serve" in sys.argv else main())
