"""What the Kubernetes source costs the API server, counted by the sandbox API server itself:
one list (and one watch) per kind and namespace in a whole `check`, and a 410 Gone that keeps
coming relists with backoff, not in a loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.config import KubernetesConfig
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sources.kube.client import connect
from oc_console.sources.kube.source import KubeSource, kind_specs
from oc_console.sources.kube.watch import WatchCache
from tests.integration.kube_fixtures import start_sandbox
from tests.integration.test_kube_source import until

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = start_sandbox(tmp_path / "kube")
    try:
        yield sb
    finally:
        sb.stop()


def test_check_lists_each_kind_once_per_namespace(sandbox: KubeSandbox, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
    env.update({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"})
    sandbox.tap.clear()
    done = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "--json",
         "--kubeconfig", str(sandbox.kubeconfig_path)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert json.loads(done.stdout)["findings"], done.stderr
    served = [s for s in sandbox.tap.served if not s.agent.startswith("kubectl")]
    lists = Counter(s.path for s in served if s.verb == "list")
    watches = Counter(s.path for s in served if s.verb == "watch")
    assert lists and max(lists.values()) == 1, lists.most_common(3)
    assert max(watches.values()) == 1, watches.most_common(3)
    ns = "/api/v1/namespaces/openclaw"
    assert {f"{ns}/secrets", f"{ns}/configmaps", f"{ns}/pods"} <= set(lists)
    # beyond the lists, a Secret is read alone only when its data is needed: a Helm release
    gets = [
        s.path.rsplit("/", 1)[-1] for s in served if s.verb == "get" and s.resource == "secrets"
    ]
    assert gets and all(name.startswith("sh.helm.release.v1.") for name in gets)
    assert len(gets) == len(set(gets))  # each revision once


def test_a_410_that_keeps_coming_relists_with_backoff(sandbox: KubeSandbox) -> None:
    cfg = KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5)
    client = connect(cfg)
    cache = WatchCache(client, [s for s in kind_specs(cfg) if s.kind == "pods"], ("openclaw",), 5)
    stream = cache.streams[0]
    try:
        cache.start()
        assert cache.wait_settled(10)
        sandbox.tap.clear()
        sandbox.faults.expire_every_watch = True
        sandbox.faults.drop_watches()
        time.sleep(3.0)
        # 0.5 s, 1 s, 2 s (each +-20 %) between relists: at most four in three seconds,
        # where relisting at once would have made hundreds
        relisted = sum(1 for s in sandbox.tap.of("pods") if s.verb == "list")
        assert 1 <= stream.relists <= 4 and relisted <= 4, (stream.relists, relisted)
        sandbox.faults.expire_every_watch = False
        deadline = time.monotonic() + 10
        while stream.state != "watching" or stream.error is not None:
            assert time.monotonic() < deadline, stream.status()
            time.sleep(0.05)
        assert len(cache.rows("pods")) > 0
    finally:
        sandbox.faults.expire_every_watch = False
        cache.stop()
        client.close()


async def test_the_log_sampler_starts_before_the_pod_list_ends(tmp_path: Path) -> None:
    # about 2,100 pods: five pages, each answered a little late, like a loaded API server
    sandbox = KubeSandbox(tmp_path / "kube", extra_pods_per_adapter=300, ready_delay=0.1).start()
    sandbox.faults.latency = 0.05
    source = KubeSource(
        KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=10),
        log_interval=60,
    )
    try:
        await until(source, lambda s: source.complete and bool(s.logs))
        served = [s for s in sandbox.tap.served if not s.agent.startswith("kubectl")]
        pages = [i for i, s in enumerate(served) if s.verb == "list" and s.resource == "pods"]
        logs = [i for i, s in enumerate(served) if s.resource == "pods/log"]
        assert len(pages) >= 5 and logs
        assert logs[0] < pages[-1], "the first log read waited for the whole pod list"
        # the first round took the tails read ahead instead of reading them again
        reads = [(s.path, s.query.get("previous")) for s in served if s.resource == "pods/log"]
        assert len(reads) == len(set(reads))
    finally:
        await source.close()
        sandbox.stop()
