"""The sandbox's metrics: a real Prometheus scraping the exporter over a backfilled history, and
the stand-in answering the same catalog from the same model."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.analysis.metrics import metrics_findings
from oc_console.config import PrometheusConfig
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.errors import SourceError
from oc_console.sandbox.metrics import MetricsSandbox, SandboxPod
from oc_console.sources.prometheus import PrometheusSource
from oc_console.sources.promql import catalog

pytestmark = pytest.mark.integration

MIB = 2**20


def fleet_pods() -> list[SandboxPod]:
    pods = []
    for platform, replicas, limit in (
        ("amazon", 3, 512),
        ("shopee", 2, 1024),
        ("tiktok", 2, 768),
        ("lazada", 2, 512),
        ("walmart", 1, 1024),
    ):
        for i in range(replicas):
            oom = platform == "amazon"
            pods.append(
                SandboxPod(
                    namespace="openclaw",
                    pod=f"openclaw-adapter-{platform}-7d9f8c6b5-p{i}x2k",
                    container="adapter",
                    platform=platform,
                    memory_limit_bytes=limit * MIB,
                    restarts=4 if oom else 0,
                    last_terminated_reason="OOMKilled" if oom else None,
                )
            )
    return pods


def need_prometheus() -> None:
    if shutil.which("prometheus") and shutil.which("promtool"):
        return
    reason = "prometheus/promtool not on PATH (apt-get install prometheus)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: required under CI=true")
    pytest.skip(reason)


async def fetch(url: str) -> MetricsSnapshot:
    source = PrometheusSource(PrometheusConfig(url=url), ("openclaw",))
    try:
        return await source.fetch()
    finally:
        await source.close()


async def until_scraped(url: str) -> None:
    """Prometheus hands its first targets to the scraper after about 5 s; until then its
    newest samples are the backfilled history's, and rate() extrapolates from those."""
    for _ in range(100):
        fresh = (await fetch(url)).adapter("walmart")
        assert fresh is not None and fresh.last_sample_age_seconds is not None
        if fresh.last_sample_age_seconds < 2:
            return
        await asyncio.sleep(0.1)
    pytest.fail("the exporter was not scraped within 10 s")


def incidents(snapshot: MetricsSnapshot) -> set[tuple[str, str]]:
    return {(f.id, f.subject) for f in metrics_findings(snapshot)}


ALL = {
    ("adapter-throttled", "openclaw/openclaw-adapter-shopee"),
    ("queue-backlog", "openclaw/openclaw-adapter-lazada"),
    ("adapter-error-rate", "openclaw/openclaw-adapter-tiktok"),
    ("memory-near-limit", "openclaw/openclaw-adapter-amazon"),
}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[list[MetricsSandbox]]:
    started: list[MetricsSandbox] = []
    yield started
    for s in started:
        s.stop()


def start(
    started: list[MetricsSandbox], workdir: Path, scenarios: set[str], **kw: bool
) -> MetricsSandbox:
    s = MetricsSandbox(workdir, fleet_pods, frozenset(scenarios), **kw)
    started.append(s)
    s.start()
    return s


async def test_real_prometheus_scrapes_the_exporter_over_its_history(
    sandbox: list[MetricsSandbox], tmp_path: Path
) -> None:
    need_prometheus()
    s = start(sandbox, tmp_path, {"all"})
    assert not s.stand_in
    snapshot = await fetch(s.url)
    assert not snapshot.stand_in and snapshot.warnings == ()
    assert incidents(snapshot) == ALL
    backlog = next(f for f in metrics_findings(snapshot) if f.id == "queue-backlog")
    assert "cause: backlog" in backlog.evidence
    amazon = next(p for p in snapshot.pods if p.platform == "amazon")
    assert len(amazon.history) == 61  # the backfilled hour
    await until_scraped(s.url)
    url = s.url
    s.stop()
    with pytest.raises(SourceError, match="unreachable"):
        await fetch(url)


async def test_stand_in_answers_the_catalog_and_says_so(
    sandbox: list[MetricsSandbox], tmp_path: Path
) -> None:
    s = start(sandbox, tmp_path, {"all"}, use_prometheus=False)
    assert s.stand_in
    snapshot = await fetch(s.url)
    assert snapshot.stand_in
    assert snapshot.warnings[0].startswith("stand-in metrics:")
    assert incidents(snapshot) == ALL
    shopee = snapshot.adapter("shopee")
    assert shopee is not None and shopee.throttled_ratio == pytest.approx(0.6)


async def test_stand_in_and_real_prometheus_agree(
    sandbox: list[MetricsSandbox], tmp_path: Path
) -> None:
    need_prometheus()
    url = start(sandbox, tmp_path / "real", {"order"}).url
    await until_scraped(url)
    real = await fetch(url)
    stand_in = await fetch(start(sandbox, tmp_path / "fake", {"order"}, use_prometheus=False).url)
    assert [a.platform for a in real.adapters] == [a.platform for a in stand_in.adapters]
    # A scraped sample is stamped when the scrape starts, a few ms before the exporter reads
    # the clock: over the 5 m window that is a relative error near 1e-5.
    for r, f in zip(real.adapters, stand_in.adapters, strict=True):
        assert r.request_rate == pytest.approx(f.request_rate, rel=1e-4)
        assert r.error_ratio == pytest.approx(f.error_ratio, rel=1e-6)
        assert r.throttled_ratio == pytest.approx(f.throttled_ratio, rel=1e-6)
        # p95 moves with time (latency.py): the two answers come seconds apart, over slightly
        # different sample spans, so they agree closely rather than exactly.
        assert r.p95_latency_seconds == pytest.approx(f.p95_latency_seconds, rel=0.02)
        assert dict(r.sync_failures) == pytest.approx(dict(f.sync_failures), rel=1e-4)
    assert [(p.pod, p.limit_bytes, p.restarts) for p in real.pods] == [
        (p.pod, p.limit_bytes, p.restarts) for p in stand_in.pods
    ]


@pytest.mark.parametrize(
    ("scenarios", "expected"),
    [
        ({"oom"}, {("memory-near-limit", "openclaw/openclaw-adapter-amazon")}),
        ({"order"}, ALL - {("memory-near-limit", "openclaw/openclaw-adapter-amazon")}),
        ({"none"}, set()),
    ],
)
async def test_scenarios(
    sandbox: list[MetricsSandbox],
    tmp_path: Path,
    scenarios: set[str],
    expected: set[tuple[str, str]],
) -> None:
    s = start(sandbox, tmp_path, scenarios, use_prometheus=False)
    assert incidents(await fetch(s.url)) == expected


async def test_stand_in_follows_the_console_namespaces(tmp_path: Path) -> None:
    staging = SandboxPod(
        "staging", "openclaw-adapter-amazon-6c7d8e9f0-s1s1s", "adapter", "amazon", MIB, 0, None
    )
    s = MetricsSandbox(
        tmp_path, lambda: [*fleet_pods(), staging], frozenset(), use_prometheus=False
    )
    s.start()
    try:
        for namespaces, expected in ((("openclaw",), {"openclaw"}), (("staging",), {"staging"})):
            source = PrometheusSource(PrometheusConfig(url=s.url), namespaces)
            try:
                snapshot = await source.fetch()
            finally:
                await source.close()
            assert {p.namespace for p in snapshot.pods} == expected
        source = PrometheusSource(PrometheusConfig(url=s.url), ("elsewhere",))
        with pytest.raises(SourceError, match="answers only the console's catalog"):
            await source.fetch()
        await source.close()
    finally:
        s.stop()


def p95_at(url: str, t: float) -> dict[str, float]:
    """The console's own p95 query, evaluated at time t through the Prometheus HTTP API."""
    promql = next(q.promql for q in catalog(("openclaw",)) if q.name == "latency_p95")
    query = urllib.parse.urlencode({"query": promql, "time": f"{t:.3f}"})
    with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=10) as response:
        result = json.loads(response.read())["data"]["result"]
    return {r["metric"]["platform"]: float(r["value"][1]) for r in result}


def assert_p95_differ_and_move(url: str) -> None:
    now = time.time()
    # four points over most of the slow mode's 15-minute swing, all inside the history
    series = [p95_at(url, now - minutes * 60) for minutes in (0, 4, 8, 12)]
    platforms = {"amazon", "shopee", "tiktok", "lazada", "walmart"}
    assert all(set(p95) == platforms for p95 in series)
    for p95 in series:
        # each adapter has its own latency: no two alike, none on a bucket bound such as 0.5
        # (two adapters' curves cross as their slow shares swing: at 4 decimals one sample in
        # 400 lands on a crossing, at 6 none in 20,000)
        assert len({round(v, 6) for v in p95.values()}) == len(platforms), p95
        assert all(0.1 < v < 1.0 and v not in (0.25, 0.5, 0.75) for v in p95.values()), p95
    for platform in platforms:
        values = [p95[platform] for p95 in series]
        assert max(values) - min(values) > 0.01 * max(values), (platform, values)


async def test_p95_latency_differs_per_adapter_and_moves_in_prometheus(
    sandbox: list[MetricsSandbox], tmp_path: Path
) -> None:
    need_prometheus()
    s = start(sandbox, tmp_path, {"all"})
    assert not s.stand_in
    assert_p95_differ_and_move(s.url)
    snapshot = await fetch(s.url)
    p95 = [a.p95_latency_seconds for a in snapshot.adapters]
    assert None not in p95 and len(set(p95)) == len(p95) and set(p95) != {0.5}


async def test_p95_latency_differs_per_adapter_and_moves_in_the_stand_in(
    sandbox: list[MetricsSandbox], tmp_path: Path
) -> None:
    s = start(sandbox, tmp_path, {"all"}, use_prometheus=False)
    assert_p95_differ_and_move(s.url)
