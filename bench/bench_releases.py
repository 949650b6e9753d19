"""Helm release history: 50 releases x 10 revisions, as the watch cache decodes them.

- decode: every Secret through `HelmDecoder` (API base64, Helm base64, gunzip, JSON, the
  manifest's Deployments as YAML), against the obvious decoder (the same layers, then
  `yaml.safe_load_all` of the whole manifest; budget 0.2x: only Deployments, with libyaml),
  and against `json.loads` of the same releases' JSON, which skips gzip and YAML altogether
  (budget 100x: about 1 ms a revision, most of it libyaml on the Deployment);
- relist: the same Secrets again, as after a 410 Gone: cached by resourceVersion (budget 0.05x
  of the decode);
- RSS: a fresh process holding the decoded rows, against one holding the releases' JSON as
  dicts, which is what keeping whole release objects would cost (budget 0.25x).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import report

RELEASES = 50
REVISIONS = 10
RUNS = 3

CHILD = """
import gc, json, sys
from bench.bench_releases import inflated, secrets

def rss() -> int:
    import os
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

from oc_console.sources.kube.helm import HelmDecoder

objs = secrets()
texts = [inflated(o) for o in objs] if sys.argv[1] == "json" else None
decoder = HelmDecoder()
decoder(objs[0])  # the first use loads libyaml's parser
gc.collect()
before = rss()
if sys.argv[1] == "rows":
    kept = [decoder(o) for o in objs[1:]]
else:
    kept = [json.loads(t) for t in texts[1:]]
del objs, texts
gc.collect()
print(json.dumps({"kept": len(kept), "rss": rss() - before}))
"""


def secrets() -> list[dict[str, Any]]:
    """Release Secrets as the API lists them, encoded as Helm does (sandbox encoder)."""
    from oc_console.sandbox.kube import releases
    from oc_console.sandbox.kube.templates import adapter, pinned

    out = []
    for i in range(RELEASES):
        w = adapter(f"p{i:02d}", 3, "512Mi", sidecar=i % 2 == 0, init=i % 3 == 0)
        for rev in range(1, REVISIONS + 1):
            version = f"2.{rev}.{i}"
            rel = releases.release(
                w,
                rev,
                version,
                "deployed" if rev == REVISIONS else "superseded",
                1.7e9 + rev * 86_400,
                "Upgrade complete",
                pinned(f"adapter-p{i:02d}", version),
                "512Mi",
            )
            out.append(releases.release_secret(rel, resource_version=str(i * 100 + rev)))
    return out


def inflated(secret: dict[str, Any]) -> str:
    from oc_console.sources.kube.helm import decode_payload

    return decode_payload(secret["data"]["release"]).decode()


def best(fn: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples)


def obvious(secret: dict[str, Any]) -> object:
    """What a script reading `helm get manifest` output would do with each revision."""
    import yaml

    release = json.loads(inflated(secret))
    return list(yaml.safe_load_all(release["manifest"]))


def child_rss(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,  # so the child imports `bench`
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["rss"]) / 2**20


def main() -> int:
    from oc_console.sources.kube.helm import HelmDecoder

    objs = secrets()
    texts = [inflated(o) for o in objs]
    baseline = best(lambda: [json.loads(t) for t in texts])
    decode = best(lambda: [HelmDecoder()(o) for o in objs])
    start = time.perf_counter()
    for o in objs:
        obvious(o)
    naive = time.perf_counter() - start  # seconds: one run says enough
    warm = HelmDecoder()
    rows = [warm(o) for o in objs]
    assert all(r is not None and r.error is None for r in rows)
    relist = best(lambda: [warm(o) for o in objs])
    kept_rows, kept_json = child_rss("rows"), child_rss("json")
    size = sum(len(o["data"]["release"]) for o in objs) / 2**20
    print(
        f"# {len(objs)} release Secrets, {size:.1f} MB of data.release, "
        f"{sum(map(len, texts)) / 2**20:.1f} MB of release JSON; "
        f"decode {decode * 1e3 / len(objs):.2f} ms per revision"
    )
    ok = report("helm_decode_500", decode, naive, 0.2, "s")
    ok &= report("helm_decode_vs_json_500", decode, baseline, 100.0, "s")
    ok &= report("helm_relist_cached_500", relist, decode, 0.05, "s")
    ok &= report("helm_rss_500", kept_rows, kept_json, 0.25, "MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
