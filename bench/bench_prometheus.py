"""What one Prometheus refresh costs.

- prometheus_queries_per_refresh: HTTP requests one refresh sends for a 7-platform fleet,
  against the same for a 1-platform fleet; the budget is that the cost does not grow with the
  fleet (ratio 1.0).
- prometheus_refresh_slow_server: seconds for one refresh when every query takes 2 s, against
  those 2 s; queries run side by side, so a refresh costs one round trip, not nine.

Run: .venv/bin/python bench/bench_prometheus.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from oc_console.config import PrometheusConfig
from oc_console.sandbox.metrics import MetricsSandbox, SandboxPod
from oc_console.sources.prometheus import PrometheusSource

PLATFORMS = ("amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify")
SLOW_SECONDS = 2.0


class Server(ThreadingHTTPServer):
    request_queue_size = 64
    daemon_threads = True


def serve(handler: type[BaseHTTPRequestHandler]) -> Server:
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def counting_proxy(target: str, hits: list[str]) -> Server:
    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            with urllib.request.urlopen(target + self.path, timeout=10) as upstream:
                body = upstream.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return serve(Proxy)


def slow_server() -> Server:
    empty = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}})

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(SLOW_SECONDS)
            body = empty.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return serve(Slow)


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


def queries_for(platforms: tuple[str, ...], workdir: Path) -> int:
    sandbox = MetricsSandbox(
        workdir, lambda: pods(platforms), frozenset({"all"}), use_prometheus=False
    )
    sandbox.start()
    hits: list[str] = []
    proxy = counting_proxy(sandbox.url, hits)
    try:
        asyncio.run(refresh(f"http://127.0.0.1:{proxy.server_address[1]}"))
    finally:
        proxy.shutdown()
        sandbox.stop()
    return len(hits) // 2  # two refreshes


def line(name: str, value: float, baseline: float, budget: float, unit: str = "") -> bool:
    ratio = value / baseline
    ok = ratio <= budget
    print(
        f"bench: {name} value={value:.4g}{unit} baseline={baseline:.4g}{unit} "
        f"ratio={ratio:.2f} budget={budget} {'ok' if ok else 'over'}"
    )
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fleet = queries_for(PLATFORMS, Path(tmp) / "fleet")
        one = queries_for(PLATFORMS[:1], Path(tmp) / "one")
    results = [line("prometheus_queries_per_refresh", fleet, one, 1.0)]
    server = slow_server()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        seconds = asyncio.run(refresh(url, timeout=SLOW_SECONDS * 3))
    finally:
        server.shutdown()
    results.append(line("prometheus_refresh_slow_server", seconds, SLOW_SECONDS, 1.5, "s"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
