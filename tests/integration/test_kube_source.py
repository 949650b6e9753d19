"""KubeSource against the sandbox API server: the fleet, its findings, and every fault the
console must survive (server down, 401, 403, dropped watches, 410 Gone, a 50 MB list)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from oc_console.analysis.kube import kube_findings
from oc_console.config import KubernetesConfig
from oc_console.domain.kube import FleetSnapshot
from oc_console.errors import SourceError
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sources.kube.client import connect
from oc_console.sources.kube.source import KubeSource

pytestmark = pytest.mark.integration
NS = "openclaw"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = KubeSandbox(tmp_path / "kube", bookmark_interval=0.5).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
async def source(sandbox: KubeSandbox) -> AsyncIterator[KubeSource]:
    src = KubeSource(
        KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5),
        log_interval=0.3,
    )
    try:
        yield src
    finally:
        await src.close()
        assert not [t.name for t in threading.enumerate() if ours(t)]


def ours(thread: threading.Thread) -> bool:
    """A thread of the source (the sandbox's own are named kube-sandbox-*)."""
    return thread.name.startswith("kube-") and not thread.name.startswith("kube-sandbox")


async def until(source: KubeSource, check: Any, timeout: float = 5.0) -> FleetSnapshot:
    """Fetch until `check(snapshot)` holds; fail with the last snapshot's watch status."""
    deadline = time.monotonic() + timeout
    snap = await source.fetch()
    while not check(snap):
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met in {timeout}s; watches: {snap.watch_status}")
        await source.wait_for_change(snap.generation, 0.2)
        snap = await source.fetch()
    return snap


class Deleter:
    """Deletes pods through the official client, connected up front so that timing a change
    measures the watch, not the client's import."""

    def __init__(self, sandbox: KubeSandbox) -> None:
        from kubernetes.client import CoreV1Api

        self.client = connect(KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path)))
        self.api = CoreV1Api(self.client.api)

    def delete(self, name: str) -> None:
        try:
            self.api.delete_namespaced_pod(name, NS, grace_period_seconds=0)
        finally:
            self.client.close()


def delete_pod(sandbox: KubeSandbox, name: str) -> None:
    Deleter(sandbox).delete(name)


async def test_fleet_and_findings(source: KubeSource) -> None:
    snap = await until(source, lambda s: any(t.previous for t in s.logs) and s.logs)
    assert snap.context == "openclaw-sandbox" and snap.namespaces == (NS,)
    platforms = {a.platform for a in snap.adapters}
    assert platforms == {"amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify"}
    amazon = next(a for a in snap.adapters if a.platform == "amazon")
    assert amazon.hpa is not None and amazon.hpa.max_replicas >= amazon.hpa.min_replicas
    assert amazon.revisions and amazon.revisions[0].revision == amazon.revision
    assert all(p.platform for p in snap.pods_of(amazon))
    assert snap.certificates and snap.events
    assert snap.watch_status.startswith("watching")

    snap = await until(
        source, lambda s: "webhook-signature-mismatch" in {f.id for f in kube_findings(s, now())}
    )
    found = {(f.id, f.subject.split("/")[1]): f for f in kube_findings(snap, now())}
    oom = found[("adapter-oomkilled", "openclaw-adapter-amazon")]
    assert "512Mi" in oom.summary and all("512Mi" in e for e in oom.evidence)
    crash = found[("adapter-crashloop", "openclaw-adapter-shopee")]
    assert any(e.startswith("previous log of") for e in crash.evidence)
    assert ("rollout-stuck", "openclaw-adapter-shopee") in found
    assert ("image-not-pinned", "openclaw-adapter-shopee") in found
    assert ("webhook-signature-mismatch", "openclaw-adapter-tiktok") in found
    cert_ids = {f.id for f in found.values() if f.runbook == "cert-expiry"}
    assert cert_ids == {"cert-expiring", "cert-not-ready", "cert-renew-before-policy"}


def now() -> datetime:
    return datetime.now(UTC)


async def test_a_change_shows_within_a_second(source: KubeSource, sandbox: KubeSandbox) -> None:
    snap = await source.fetch()
    victim = snap.pods[0].name
    deleter = await asyncio.to_thread(Deleter, sandbox)
    started = time.monotonic()
    await asyncio.to_thread(deleter.delete, victim)
    await until(source, lambda s: victim not in {p.name for p in s.pods}, timeout=1.0)
    assert time.monotonic() - started < 1.0


async def test_dropped_watches_resume_without_relisting(
    source: KubeSource, sandbox: KubeSandbox
) -> None:
    await source.fetch()
    sandbox.faults.drop_watches()
    await asyncio.sleep(0.3)
    snap = await source.fetch()
    victim = snap.pods[-1].name
    await asyncio.to_thread(delete_pod, sandbox, victim)
    snap = await until(source, lambda s: victim not in {p.name for p in s.pods})
    pods = next(w for w in snap.watches if w.kind == "pods")
    assert pods.reconnects >= 1 and pods.relists == 0 and pods.error is None


async def test_410_gone_relists(source: KubeSource, sandbox: KubeSandbox) -> None:
    await source.fetch()
    sandbox.faults.expire_next_watch = True
    sandbox.faults.drop_watches()
    snap = await until(source, lambda s: any(w.relists for w in s.watches))
    assert all(w.error is None for w in snap.watches)
    victim = snap.pods[0].name
    await asyncio.to_thread(delete_pod, sandbox, victim)
    await until(source, lambda s: victim not in {p.name for p in s.pods})


async def test_403_names_verb_resource_and_namespace(
    source: KubeSource, sandbox: KubeSandbox
) -> None:
    sandbox.faults.deny("list", "pods")
    with pytest.raises(SourceError) as err:
        await source.fetch()
    assert str(err.value) == (
        "403: cannot list pods in namespace openclaw (user oncall@openclaw.io)"
    )
    sandbox.faults.allow("list", "pods")
    await recovered(source)


async def recovered(source: KubeSource, timeout: float = 10.0) -> FleetSnapshot:
    """The first snapshot after the streams' backoff lets them through again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await source.fetch()
        except SourceError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_403_on_a_side_resource_keeps_the_rest(
    source: KubeSource, sandbox: KubeSandbox
) -> None:
    sandbox.faults.deny("*", "secrets")
    snap = await source.fetch()
    assert snap.adapters and snap.pods
    assert "secrets/openclaw: 403: cannot list secrets in namespace openclaw" in snap.watch_status


async def test_401_names_the_context(sandbox: KubeSandbox, tmp_path: Path) -> None:
    config = yaml.safe_load(sandbox.kubeconfig_path.read_text())
    config["users"][0]["user"]["token"] = "expired-token"
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(yaml.safe_dump(config))
    src = KubeSource(KubernetesConfig(kubeconfig=str(bad), timeout_seconds=5))
    try:
        with pytest.raises(SourceError, match=r"^401 Unauthorized: token rejected for context "):
            await src.fetch()
    finally:
        await src.close()


async def test_api_server_down_then_back(source: KubeSource, sandbox: KubeSandbox) -> None:
    before = await source.fetch()
    sandbox.api_down()
    started = time.monotonic()
    with pytest.raises(SourceError, match=rf"^cannot reach {sandbox.url}: connection refused$"):
        while time.monotonic() - started < 5:  # the streams see the drop, retry, then report
            await source.fetch()
            await asyncio.sleep(0.05)
    assert time.monotonic() - started < 2
    sandbox.api_up()
    after = await recovered(source)
    assert time.monotonic() - started < 5
    assert {p.name for p in after.pods} == {p.name for p in before.pods}
    # the side streams come back on their own backoff schedule
    await until(source, lambda s: s.watch_status.startswith("watching"), timeout=15)


async def test_server_down_from_the_start(sandbox: KubeSandbox) -> None:
    sandbox.api_down()
    src = KubeSource(KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=2))
    try:
        started = time.monotonic()
        with pytest.raises(SourceError, match="connection refused"):
            await src.fetch()
        assert time.monotonic() - started < 3
    finally:
        await src.close()


async def test_50_mb_pod_list(source: KubeSource, sandbox: KubeSandbox) -> None:
    sandbox.faults.pad_pod_lists = 8_000
    snap = await source.fetch()
    assert len(snap.pods) > 8_000
    assert snap.watch_status.startswith("watching")


async def test_log_tail_previous_and_follow(source: KubeSource) -> None:
    snap = await source.fetch()
    crashing = next(p for p in snap.pods if any(c.crashloop for c in p.containers))
    previous = await source.log_tail(NS, crashing.name, "adapter", previous=True, tail=10)
    assert 0 < len(previous) <= 10
    tiktok = next(p for p in snap.pods if p.platform == "tiktok" and p.phase == "Running")
    follower = source.follow_logs(NS, tiktok.name, "adapter", tail=5)
    try:
        deadline = time.monotonic() + 5
        while follower.received < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert follower.received >= 5 and follower.error is None
    finally:
        started = time.monotonic()
        follower.stop()
        assert time.monotonic() - started < 1.0 and follower.ended


async def test_missing_log_is_one_line(source: KubeSource) -> None:
    await source.fetch()
    with pytest.raises(SourceError, match=r'^404: pods "no-such-pod" not found$'):
        await source.log_tail(NS, "no-such-pod", "adapter")


def test_kubeconfig_list_and_contexts(
    sandbox: KubeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "contexts": []}))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{other}:{sandbox.kubeconfig_path}")
    client = connect(KubernetesConfig())
    try:
        assert (client.context, client.server) == ("openclaw-sandbox", sandbox.url)
    finally:
        client.close()
    with pytest.raises(SourceError, match=r"context prod not in .* \(have: openclaw-sandbox\)"):
        connect(KubernetesConfig(context="prod"))
    monkeypatch.delenv("KUBECONFIG")
    with pytest.raises(SourceError, match=r"^no kubeconfig"):
        connect(KubernetesConfig())


async def test_several_namespaces(sandbox: KubeSandbox) -> None:
    config = KubernetesConfig(
        kubeconfig=str(sandbox.kubeconfig_path), namespaces=("openclaw", "staging")
    )
    src = KubeSource(config)
    try:
        snap = await src.fetch()
        assert snap.namespaces == ("openclaw", "staging")
        assert {w.namespace for w in snap.watches} >= {"openclaw", "staging"}
        assert {p.namespace for p in snap.pods} == {"openclaw"}
        assert all(w.error is None for w in snap.watches)
    finally:
        await src.close()


async def test_slow_api_server_times_out_then_recovers(sandbox: KubeSandbox) -> None:
    sandbox.faults.latency = 2.0
    src = KubeSource(KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=1))
    try:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"timed out|still listing pods"):
            await src.fetch()
        assert time.monotonic() - started < 3
        sandbox.faults.latency = 0.0
        snap = await recovered(src)
        assert snap.pods
    finally:
        await src.close()


@pytest.mark.parametrize(
    ("plural", "kind"),
    [
        ("certificates", "certificates.cert-manager.io"),
        ("events", "events"),
        ("secrets", "secrets"),
        ("replicasets", "replicasets"),
        ("horizontalpodautoscalers", "horizontalpodautoscalers"),
    ],
)
async def test_a_denied_kind_is_a_finding_and_unseen(
    source: KubeSource, sandbox: KubeSandbox, plural: str, kind: str
) -> None:
    """ "cannot see X" is not "no X": a 403 on any watched kind becomes a finding, and the
    snapshot says which kinds are not visible, for the screens."""
    sandbox.faults.deny("list", plural)
    snap = await until(source, lambda s: bool(s.unseen))
    assert not snap.can_see(kind) and not snap.can_see(kind, NS)
    assert snap.can_see("pods")
    found = {f.subject: f for f in kube_findings(snap, now()) if f.id == "cannot-see"}
    assert found[f"{NS}/{kind}"].summary == f"cannot see {kind} in {NS}: RBAC denies list"
    assert all(f.severity >= 1 for f in found.values())
    sandbox.faults.allow("list", plural)
    snap = await until(source, lambda s: not s.unseen, timeout=40)
    assert snap.can_see(kind)
