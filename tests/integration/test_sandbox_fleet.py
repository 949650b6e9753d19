"""The fleet demo's clusters (`demo --clusters 3`): three sandboxes, each with its own API
server, database and incidents, and one real Prometheus for all of them whose series carry a
`cluster` label; `check` over them finds each region's incidents in that region only, its
metrics' findings included."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from oc_console.config_loading import load_config
from oc_console.domain.targets import TargetSnapshot
from oc_console.sandbox.fleet import SandboxFleet
from oc_console.sandbox.metrics.shared import binaries
from oc_console.services.fleet import Fleet
from oc_console.services.fleet_targets import target_configs

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox_fleet() -> Iterator[SandboxFleet]:
    fleet = SandboxFleet(3).start()
    try:
        yield fleet
    finally:
        fleet.stop()


def collected(sandbox_fleet: SandboxFleet) -> dict[str, TargetSnapshot]:
    configs = target_configs(load_config(None, sandbox_fleet.flags(), environ={}))
    fleet = Fleet.from_configs(configs)

    async def once() -> tuple[TargetSnapshot, ...]:
        try:
            return await fleet.collect(15)
        finally:
            await fleet.close(grace=0.5)

    return {t.name: t for t in asyncio.run(once())}


def ids(target: TargetSnapshot) -> set[str]:
    return {f.id for f in target.snapshot.findings}


def test_each_region_has_its_own_incidents(sandbox_fleet: SandboxFleet) -> None:
    targets = collected(sandbox_fleet)
    assert list(targets) == ["us-east", "eu-west", "ap-southeast"]
    for t in targets.values():
        assert all(s.ok for s in t.snapshot.sources), (t.name, t.snapshot.sources)
    us, eu, ap = targets["us-east"], targets["eu-west"], targets["ap-southeast"]
    assert {"adapter-oomkilled", "adapter-throttled"} <= ids(us)  # the 429s: from metrics
    assert {"adapter-crashloop", "webhook-signature-mismatch"} <= ids(eu)
    assert {"pool-idle-in-transaction", "cert-expiring"} <= ids(ap)
    # each one's incidents stay in its own cluster, metrics included
    assert not {"adapter-oomkilled", "adapter-throttled"} & (ids(eu) | ids(ap))
    assert not {"adapter-crashloop", "webhook-signature-mismatch"} & (ids(us) | ids(ap))
    assert "pool-idle-in-transaction" not in ids(us) | ids(eu)
    # every cluster's metrics, and only its own: its pods once each, its OOM kills alone
    for t in targets.values():
        metrics = t.snapshot.metrics
        assert metrics is not None and metrics.adapters, t.name
        pods = [(p.namespace, p.pod, p.container) for p in metrics.pods]
        assert pods and len(pods) == len(set(pods)), t.name
    assert us.snapshot.metrics is not None and us.snapshot.metrics.oom_kills("amazon")
    for t in (eu, ap):
        assert t.snapshot.metrics is not None and not t.snapshot.metrics.oom_kills("amazon")


@pytest.mark.skipif(binaries() is None, reason="prometheus/promtool are not installed")
def test_one_prometheus_serves_every_cluster_by_its_label(sandbox_fleet: SandboxFleet) -> None:
    configs = dict(target_configs(load_config(None, sandbox_fleet.flags(), environ={})))
    urls = {c.prometheus.url for c in configs.values()}
    assert len(urls) == 1 and sandbox_fleet.prometheus is not None
    assert {n: c.prometheus.cluster for n, c in configs.items()} == {n: n for n in configs}
    # each cluster's own Kubernetes API server and database
    assert len({c.kubernetes.kubeconfig for c in configs.values()}) == 3
    assert len({c.postgres.dsn for c in configs.values()}) == 3
