"""10k pods across seven adapters, served by the sandbox API server:

- list + parse (the watch cache's real path: paged list over HTTPS, orjson, rows) and the bare
  parse of the same bytes, each against `json.loads` of that payload (budget 3x);
- RSS of a console process holding the fleet at 1k and at 10k pods, each in a fresh
  subprocess (budgets 150 MB at 10k, 6 KB per extra pod).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.common import limit, report

PODS_1K = 143  # extra pods per adapter: 7 x 143 + the fleet's own ~ 1k
PODS_10K = 1429  # 7 x 1429 + the fleet's own ~ 10k
RUNS = 3
RSS_BUDGET_MB = 150.0
PER_POD_BUDGET_KB = 6.0

CHILD = """
import asyncio, gc, json, sys
from oc_console.config import KubernetesConfig
from oc_console.sources.kube.source import KubeSource

def rss() -> int:
    with open("/proc/self/statm") as f:
        import os
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

async def main() -> None:
    source = KubeSource(KubernetesConfig(kubeconfig=sys.argv[1], timeout_seconds=60))
    snap = await source.fetch()
    gc.collect()
    print(json.dumps({"pods": len(snap.pods), "rss": rss()}))
    await source.close()

asyncio.run(main())
"""


def best(fn: Callable[[], object], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples)


def raw_list(kubeconfig: Path) -> bytes:
    """The pods list exactly as the API server sends it, in one piece."""
    from oc_console.config import KubernetesConfig
    from oc_console.sources.kube.client import connect, get

    client = connect(KubernetesConfig(kubeconfig=str(kubeconfig)))
    try:
        path = "/api/v1/namespaces/{namespace}/pods"
        response = get(client, path, {}, (60.0, 60.0), namespace="openclaw")
        return bytes(response.data)
    finally:
        client.close()


def list_and_parse(kubeconfig: Path) -> tuple[float, int]:
    """Time from start to a settled pods stream: what the console does on its first fetch."""
    from oc_console.config import KubernetesConfig
    from oc_console.sources.kube.client import connect
    from oc_console.sources.kube.source import kind_specs
    from oc_console.sources.kube.watch import WatchCache

    cfg = KubernetesConfig(kubeconfig=str(kubeconfig), timeout_seconds=60)
    client = connect(cfg)
    specs = [s for s in kind_specs(cfg) if s.kind == "pods"]
    samples, count = [], 0
    try:
        for _ in range(RUNS):
            cache = WatchCache(client, specs, cfg.namespaces, cfg.timeout_seconds)
            start = time.perf_counter()
            cache.start()
            cache.wait_settled(60)
            samples.append(time.perf_counter() - start)
            count = len(cache.rows("pods"))
            cache.stop()
    finally:
        client.close()
    return min(samples), count


def parse_only(payload: bytes) -> None:
    import orjson

    from oc_console.config import ADAPTER_PATTERN
    from oc_console.sources.kube.parse import AdapterMatcher, parse_pod
    from oc_console.sources.kube.watch import gc_paused

    matcher = AdapterMatcher("app", ADAPTER_PATTERN)
    with gc_paused():
        rows = [parse_pod(item, matcher) for item in orjson.loads(payload)["items"]]
    assert rows


def child_rss(kubeconfig: Path) -> tuple[int, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(kubeconfig)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return int(result["pods"]), result["rss"] / 2**20


def main() -> int:
    from oc_console.sandbox.kube import KubeSandbox

    ok = True
    with TemporaryDirectory() as tmp:
        small = KubeSandbox(Path(tmp) / "1k", extra_pods_per_adapter=PODS_1K).start()
        try:
            pods_1k, rss_1k = child_rss(small.kubeconfig_path)
        finally:
            small.stop()
        big = KubeSandbox(Path(tmp) / "10k", extra_pods_per_adapter=PODS_10K).start()
        try:
            payload = raw_list(big.kubeconfig_path)
            gc.collect()
            baseline = best(lambda: json.loads(payload))
            parsed = best(lambda: parse_only(payload))
            listed, count = list_and_parse(big.kubeconfig_path)
            pods_10k, rss_10k = child_rss(big.kubeconfig_path)
        finally:
            big.stop()
    print(f"# {count} pods, {len(payload) / 2**20:.1f} MB list; json.loads {baseline:.3f}s")
    ok &= report("kube_list_parse_10k", listed, baseline, 3.0, "s")
    ok &= report("kube_parse_10k", parsed, baseline, 3.0, "s")
    print(f"# RSS with {pods_1k} pods: {rss_1k:.1f} MB")
    ok &= limit("kube_rss_10k", rss_10k, RSS_BUDGET_MB, "MB")
    per_pod_kb = (rss_10k - rss_1k) * 1024 / max(1, pods_10k - pods_1k)
    ok &= limit("kube_rss_per_extra_pod", per_pod_kb, 6.0, "KB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
