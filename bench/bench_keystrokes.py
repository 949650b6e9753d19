"""Keystroke to screen, p95, on the real console in a pty against the sandbox: alone (the
baseline), while 50 pod events/s arrive, while every Prometheus query waits 2 s, and with a
hung Prometheus that drips one byte at a time and never finishes an answer."""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import limit, report
from bench.http_stubs import drip, proxy
from bench.terminal import Terminal
from oc_console.sandbox.runner import Sandbox, parse_scenarios

KEYS = 60
EVENTS_PER_SECOND = 50
SLOW_SECONDS = 2.0


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def keystrokes(sandbox: Sandbox, prometheus: str) -> float:
    flags = sandbox.flags()
    term = Terminal.console(
        "--pg-dsn", str(flags["postgres.dsn"]), "--kubeconfig", str(flags["kubernetes.kubeconfig"]),
        "--context", str(flags["kubernetes.context"]), "--prometheus", prometheus,
    )  # fmt: skip
    return moving_p95(term, b"k8s")


def moving_p95(term: Terminal, ready: bytes) -> float:
    """Once `ready` is on screen: the p95 of moving up and down the Adapters screen; closes
    the terminal."""
    try:
        term.wait_for(ready, timeout=60)
        term.read_for(3.0)
        term.key_latency(b"3")  # the Adapters screen: seven rows to move in
        term.read_for(1.0)
        samples = [term.key_latency(b"j" if i % 2 == 0 else b"k") for i in range(KEYS)]
    finally:
        term.close()
    return p95(samples)


@contextmanager
def pod_events(sandbox: Sandbox) -> Iterator[None]:
    """Patch pod annotations at EVENTS_PER_SECOND through the API: each one a watch event."""
    from kubernetes import client, config

    api = client.CoreV1Api(
        config.new_client_from_config(str(sandbox.kube.kubeconfig_path), sandbox.kube.context)
    )
    pods = [p.pod for p in sandbox.kube.pods_view()]
    stop = threading.Event()

    def run() -> None:
        i = 0
        while not stop.is_set():
            start = time.monotonic()
            body = {"metadata": {"annotations": {"bench.openclaw.io/tick": str(i)}}}
            api.patch_namespaced_pod(pods[i % len(pods)], "openclaw", body)
            i += 1
            stop.wait(max(0.0, 1 / EVENTS_PER_SECOND - (time.monotonic() - start)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def main() -> int:
    with Sandbox(parse_scenarios("all")) as sandbox:
        fast = sandbox.metrics.url
        baseline = keystrokes(sandbox, fast)
        with pod_events(sandbox):
            busy = keystrokes(sandbox, fast)
        slow = proxy(fast, delay=SLOW_SECONDS)
        try:
            waiting = keystrokes(sandbox, slow.url)
        finally:
            slow.stop()
        hung_server = drip()
        try:
            hung = keystrokes(sandbox, hung_server.url)
        finally:
            hung_server.stop()
    ok = report("keystroke_p95_50_pod_events_per_s", busy * 1000, baseline * 1000, 1.5, "ms")
    ok = limit("keystroke_p95_absolute", busy * 1000, 50, "ms") and ok
    ok = report("keystroke_p95_prometheus_2s", waiting * 1000, baseline * 1000, 1.5, "ms") and ok
    ok = report("keystroke_p95_prometheus_hung", hung * 1000, baseline * 1000, 1.5, "ms") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
