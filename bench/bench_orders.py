"""The order lookup's budgets (DESIGN.md section 10):
- with every sandbox backend answering 200 ms late (PostgreSQL through a pg_sleep in the
  configured lookup SQL, the trace endpoint's and the Kubernetes API's injected latency), the
  lookup adds at most 300 ms to its slowest source, and its first part arrives within 300 ms;
- a 20,000-span trace goes from OTLP bytes to the screen in at most 2 s, and renders (lays
  out and paints, once parsed) in at most 3x the time of a 2,000-span one;
- moving through a 20,000-span waterfall on the real console in a pty: keystroke p95 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from textual.app import App, ComposeResult

from bench.common import limit, report
from bench.terminal import Terminal
from oc_console.config_loading import load_config
from oc_console.domain.orders import OrderTimeline
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.sandbox.traces.cases import BIG, big_case
from oc_console.screens.timeline_rows import timeline_rows
from oc_console.screens.widgets.waterfall import Waterfall
from oc_console.services.console import Console
from oc_console.sources.orders_db import ORDER_SQL
from oc_console.sources.traces.otlp import parse_protobuf

DELAY = 0.2
RUNS = 5
ORDER = "114-3941689-8772232"
KEYS = 60


async def lookups(sandbox: Sandbox) -> tuple[float, float, float]:
    """Median (total, slowest part, first part) in seconds over RUNS lookups."""
    slow_sql = ORDER_SQL.replace("FROM orders", f"FROM orders, pg_sleep({DELAY})")
    config = load_config(
        None, {**sandbox.flags(), "prometheus.url": None, "orders.order_sql": slow_sql}, {}
    )
    console = Console(config)
    try:
        await console.refresh(force=True)  # the console is running: its watch cache is warm
        assert sandbox.traces is not None
        sandbox.traces.delay = DELAY
        sandbox.kube.faults.latency = DELAY
        totals, slowest, firsts = [], [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            first: list[float] = []

            def seen(t: OrderTimeline, start: float = start, first: list[float] = first) -> None:
                if t.sources and not first:
                    first.append(time.perf_counter() - start)

            timeline = await console.lookup_order(ORDER, seen)
            totals.append(time.perf_counter() - start)
            assert all(p.ok for p in timeline.sources), timeline.sources
            slowest.append(max(p.elapsed_ms for p in timeline.sources) / 1000)
            firsts.append(first[0])
    finally:
        sandbox.kube.faults.latency = 0.0
        if sandbox.traces is not None:
            sandbox.traces.delay = 0.0
        await console.close()
    return statistics.median(totals), statistics.median(slowest), statistics.median(firsts)


class Bench(App[None]):
    def compose(self) -> ComposeResult:
        yield Waterfall(id="w")


async def on_screen(data: bytes) -> tuple[float, float]:
    """Seconds from OTLP bytes to the waterfall painted, and from the parsed trace (the
    rendering alone: the parse is the source's, in a worker thread, linear by nature)."""
    app = Bench()
    async with app.run_test(size=(200, 60)) as pilot:
        start = time.perf_counter()
        [trace] = parse_protobuf(data)
        parsed = time.perf_counter()
        rows, first = timeline_rows(OrderTimeline("x", traces=(trace,)))
        app.query_one(Waterfall).set_rows(rows, first)
        await pilot.pause()
        done = time.perf_counter()
        return done - start, done - parsed


def scrolling(sandbox: Sandbox) -> float:
    """p95 seconds per `j`/`k` in a 20,000-span waterfall, on the real console."""
    flags = sandbox.flags()
    term = Terminal.console(
        "--pg-dsn", str(flags["postgres.dsn"]), "--kubeconfig", str(flags["kubernetes.kubeconfig"]),
        "--context", str(flags["kubernetes.context"]), "--traces", str(flags["traces.url"]),
        size=(200, 60),
    )  # fmt: skip
    try:
        term.wait_for(b"k8s", timeout=60)
        term.read_for(2.0)
        for key in f":order {BIG[0]}\r".encode():
            term.key_latency(bytes([key]))
        term.wait_for(b"20000 spans", timeout=60)
        term.read_for(2.0)
        samples = [term.key_latency(b"j" if i % 4 < 2 else b"k") for i in range(KEYS)]
        samples += [term.key_latency(b"\x1b[6~" if i % 2 == 0 else b"\x1b[5~") for i in range(20)]
    finally:
        term.close()
    return statistics.quantiles(samples, n=20)[18]


def main() -> int:
    with Sandbox(parse_scenarios("order"), use_prometheus=False) as sandbox:
        total, slowest, first = asyncio.run(lookups(sandbox))
        scroll_p95 = scrolling(sandbox)
    big_trace, small_trace = big_case(time.time()).otlp, big_case(time.time(), 2_000).otlp
    asyncio.run(on_screen(small_trace))  # warm up
    small = [asyncio.run(on_screen(small_trace)) for _ in range(3)]
    big = [asyncio.run(on_screen(big_trace)) for _ in range(3)]
    small_render = statistics.median(r for _, r in small)
    big_render = statistics.median(r for _, r in big)
    big_total = statistics.median(t for t, _ in big)
    ok = limit("order_lookup_overhead", (total - slowest) * 1000, 300, "ms")
    print(f"bench: order_lookup total={total * 1000:.0f}ms slowest_source={slowest * 1000:.0f}ms")
    ok = limit("order_lookup_first_part", first * 1000, 300, "ms") and ok
    ok = report("trace_render_20k_vs_2k", big_render * 1000, small_render * 1000, 3.0, "ms") and ok
    ok = limit("trace_bytes_to_screen_20k", big_total * 1000, 2000, "ms") and ok
    ok = limit("trace_scroll_20k_keystroke_p95", scroll_p95 * 1000, 50, "ms") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
