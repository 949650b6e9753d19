"""Parsing recorded API JSON into rows: real-world shapes, missing fields, and no secrets kept."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import urllib3

from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.config import ADAPTER_PATTERN
from oc_console.domain.kube import (
    ROLLOUT_COMPLETE,
    ROLLOUT_PENDING,
    ROLLOUT_PROGRESSING,
    ROLLOUT_STUCK,
    PodRow,
)
from oc_console.sources.kube import certs, parse, tls_secrets
from oc_console.sources.kube.client import iter_lines
from oc_console.sources.kube.logs import filter_lines, parse_log_line

DATA = Path(__file__).parent / "data" / "kube"
MATCHER = parse.AdapterMatcher("app", ADAPTER_PATTERN)


def items(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((DATA / name).read_text())["items"]
    return loaded


@pytest.fixture(scope="module")
def pods() -> dict[str, PodRow]:
    return {row.name: row for row in (parse.parse_pod(o, MATCHER) for o in items("pods.json"))}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_oomkilled_pod_with_init_container_and_sidecar(pods: dict[str, PodRow]) -> None:
    pod = pods["openclaw-adapter-amazon-7d9f8b6c5d-x2k4q"]
    assert (pod.namespace, pod.platform, pod.phase, pod.ready) == (
        "openclaw",
        "amazon",
        "Running",
        True,
    )
    assert pod.node == "ip-10-0-12-34.ec2.internal"
    assert pod.owner_rs == "openclaw-adapter-amazon-7d9f8b6c5d"
    assert pod.created == t("2025-03-10T08:00:00Z")
    kinds = [(c.name, c.kind, c.state) for c in pod.containers]
    assert kinds == [
        ("migrate", "init", "terminated"),
        ("otel-collector", "sidecar", "running"),
        ("adapter", "app", "running"),
    ]
    adapter = pod.containers[2]
    assert adapter.oomkilled and not adapter.crashloop
    assert (adapter.last_reason, adapter.last_exit_code) == ("OOMKilled", 137)
    assert adapter.last_finished_at == t("2025-03-10T09:41:10Z")
    assert (adapter.memory_request, adapter.memory_limit) == (256 * 2**20, 512 * 2**20)
    assert adapter.restart_count == 4
    # kubectl counts the sidecar in READY but not the finished init container
    assert pod.ready_text == "2/2"
    assert pod.restarts == 4
    assert pod.status_text == "Running"


def test_crashloop_pod(pods: dict[str, PodRow]) -> None:
    pod = pods["openclaw-adapter-shopee-59c7d8f4b-9tq7w"]
    c = pod.containers[0]
    assert c.crashloop and not c.oomkilled
    assert (c.state, c.reason, c.restart_count) == ("waiting", "CrashLoopBackOff", 9)
    assert (c.last_reason, c.last_exit_code) == ("Error", 1)
    assert (c.memory_request, c.memory_limit) == (2**28, 10**9)  # 0.25Gi, 1G
    assert pod.ready is False
    assert pod.status_text == "CrashLoopBackOff"


def test_pending_pod_without_container_statuses(pods: dict[str, PodRow]) -> None:
    pod = pods["openclaw-adapter-shopee-59c7d8f4b-pending"]
    assert pod.phase == "Pending" and pod.node is None and not pod.ready
    (c,) = pod.containers
    assert (c.state, c.reason, c.restart_count, c.ready) == ("unknown", None, 0, False)
    assert c.memory_limit is None and c.last_reason is None


def test_termination_without_a_reason_and_sidecar_mesh(pods: dict[str, PodRow]) -> None:
    pod = pods["oc-adapter-tiktok-6b5d9c7f8-hh2lm"]
    assert pod.platform == "tiktok"  # the oc-adapter- spelling of the convention
    adapter, proxy = pod.containers
    assert (adapter.last_reason, adapter.last_exit_code) == (None, 2)
    assert adapter.last_finished_at == t("2025-03-10T00:59:58Z")
    assert not adapter.oomkilled
    assert adapter.memory_limit == 134217728
    assert (proxy.memory_request, proxy.memory_limit) == (128974848, 2**30)


def test_evicted_terminating_bare_and_non_adapter_pods(pods: dict[str, PodRow]) -> None:
    evicted = pods["openclaw-adapter-lazada-5c8d7b9f6-evict"]
    assert (evicted.phase, evicted.reason, evicted.owner_rs) == ("Failed", "Evicted", None)
    assert evicted.containers[0].last_finished_at is None  # finishedAt: null
    terminating = pods["openclaw-adapter-coupang-7f9c6d5b4-term"]
    assert terminating.deleting and terminating.status_text == "Terminating"
    assert terminating.containers[0].reason == "PodInitializing"
    assert pods["postgres-0"].platform is None
    bare = pods["bare-minimum"]
    assert (bare.phase, bare.platform, bare.created, bare.containers[0].image) == (
        "Unknown",
        None,
        None,
        "",
    )


def test_init_container_status_text() -> None:
    obj = items("pods.json")[5]
    obj = json.loads(json.dumps(obj))
    del obj["metadata"]["deletionTimestamp"]
    assert parse.parse_pod(obj, MATCHER).status_text == "Init:PodInitializing"


def test_repeated_strings_are_shared(pods: dict[str, PodRow]) -> None:
    a = parse.parse_pod(items("pods.json")[1], MATCHER)
    b = parse.parse_pod(items("pods.json")[2], MATCHER)
    assert a.containers[0].image is b.containers[0].image
    assert a.namespace is b.namespace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512Mi", 512 * 2**20),
        ("1G", 10**9),
        ("0.5Gi", 2**29),
        ("129e6", 129 * 10**6),
        ("1500m", 2),  # rounded up, as the kubelet does for bytes
        ("134217728", 134217728),
        ("", None),
        ("12XB", None),
        (None, None),
    ],
)
def test_quantity(text: str | None, expected: int | None) -> None:
    assert parse.parse_quantity(text) == expected


def deployments() -> dict[str, Any]:
    out = {}
    for obj in items("deployments.json"):
        row = parse.parse_deployment(obj, MATCHER)
        if row is not None:
            out[row.name] = row
    return out


def test_deployments_rollout_like_kubectl() -> None:
    rows = deployments()
    assert "webhook-gateway" not in rows  # labelled, but not an adapter
    amazon = rows["openclaw-adapter-amazon"]
    assert (amazon.platform, amazon.desired, amazon.ready, amazon.revision) == ("amazon", 3, 3, 5)
    assert amazon.rollout == ROLLOUT_COMPLETE
    assert amazon.rollout_message == 'deployment "openclaw-adapter-amazon" successfully rolled out'
    assert all(i.pinned for i in amazon.images) and len(amazon.images) == 2
    assert amazon.selector == (("app", "openclaw-adapter-amazon"),)
    shopee = rows["openclaw-adapter-shopee"]
    assert shopee.rollout == ROLLOUT_STUCK
    assert (
        shopee.rollout_message
        == 'deployment "openclaw-adapter-shopee" exceeded its progress deadline'
    )
    assert [i.image for i in shopee.unpinned_images] == [
        "registry.example.com/openclaw/adapter-shopee:2.4.0"
    ]
    assert rows["oc-adapter-tiktok"].rollout == ROLLOUT_PENDING
    walmart = rows["openclaw-adapter-walmart"]
    assert walmart.rollout == ROLLOUT_PROGRESSING
    assert walmart.rollout_message.endswith("1 old replicas are pending termination...")
    lazada = rows["openclaw-adapter-lazada"]  # just created: no status at all
    assert (lazada.desired, lazada.ready, lazada.revision, lazada.rollout) == (
        1,
        0,
        None,
        ROLLOUT_PROGRESSING,
    )
    assert lazada.rollout_message.endswith("0 out of 1 new replicas have been updated...")


def test_replicasets_are_revisions_of_their_deployment() -> None:
    parsed = [parse.parse_replicaset(o) for o in items("replicasets.json")]
    assert parsed[3] is None  # no owning Deployment
    ns, owner, newest = parsed[0]  # type: ignore[misc]
    assert (ns, owner, newest.revision, newest.replicas, newest.ready) == (
        "openclaw",
        "openclaw-adapter-shopee",
        3,
        1,
        0,
    )
    assert newest.change_cause == "helm upgrade openclaw --version 2.4.0"
    assert newest.images == ("registry.example.com/openclaw/adapter-shopee:2.4.0",)


def test_hpas() -> None:
    parsed = [parse.parse_hpa(o) for o in items("hpas.json")]
    assert parsed[2] is None  # scales a StatefulSet
    _, target, amazon = parsed[0]  # type: ignore[misc]
    assert target == "openclaw-adapter-amazon"
    assert (amazon.min_replicas, amazon.max_replicas, amazon.current_replicas) == (3, 12, 3)
    assert amazon.desired_replicas == 4
    _, _, fresh = parsed[1]  # type: ignore[misc]
    assert (fresh.min_replicas, fresh.current_replicas) == (1, None)


def test_events_old_and_new_style() -> None:
    rows = [parse.parse_event(o) for o in items("events.json")]
    backoff, scheduling, unhealthy, killing, _, oom = rows
    assert (backoff.reason, backoff.count, backoff.source) == ("BackOff", 118, "kubelet")
    assert backoff.last_seen == t("2025-03-10T09:58:12Z")
    # events.k8s.io emitters: no lastTimestamp, the series says when and how often
    assert scheduling.last_seen == t("2025-03-10T10:03:00.654321Z")
    assert scheduling.first_seen == t("2025-03-10T09:58:00.123456Z")
    assert (scheduling.count, scheduling.source) == (4, "default-scheduler")
    assert not scheduling.message.endswith("\n")
    assert (unhealthy.type, killing.type, killing.count) == ("Warning", "Normal", 2)
    assert (oom.reason, oom.object_kind, oom.source) == ("OOMKilling", "Node", "kernel-monitor")


def test_certificates_and_tls_secrets_never_keep_the_key() -> None:
    rows = [certs.parse_certificate(o) for o in items("certificates.json")]
    secret_items = items("secrets.json")
    parsed = [certs.parse_tls_secret(o) for o in secret_items]
    secrets = {(ns, name): (facts, err) for ns, name, facts, err in parsed}
    joined = {c.name: c for c in certs.join_certificates(rows, secrets)}

    webhooks = joined["webhooks"]
    assert webhooks.managed and webhooks.ready and not webhooks.issuing
    assert webhooks.renew_before == timedelta(hours=24) and not KubeThresholds().policy_ok(webhooks)
    assert webhooks.not_after == datetime(2025, 3, 15, 10, 0, tzinfo=UTC)
    assert webhooks.renewal_time == t("2025-03-14T10:00:00Z")
    assert webhooks.tls is not None
    assert webhooks.tls.sans == (
        "webhooks.openclaw.example.com",
        "hooks.openclaw.example.com",
        "10.0.0.5",
    )
    assert "CN=OpenClaw Test CA" in webhooks.tls.issuer
    assert len(webhooks.tls.fingerprint_sha256.split(":")) == 32

    api = joined["api"]
    assert (api.ready, api.issuing, api.reason) == (False, True, "Failed")
    assert KubeThresholds().policy_ok(api) and api.renew_before == timedelta(hours=336)
    assert api.tls is not None and api.tls.subject == "CN=api.openclaw.example.com"  # the leaf

    fresh = joined["fresh"]  # no status yet, no Secret yet
    assert fresh.renew_before == timedelta(hours=360)  # 50 % of 720h
    assert fresh.not_after is None and fresh.tls_error == "Secret fresh-tls not found"

    assert joined["broken-tls"].tls_error is not None and not joined["broken-tls"].managed
    assert joined["empty-tls"].tls_error == "the Secret has no tls.crt"
    everything = repr(joined) + repr(parsed)
    for obj in secret_items:
        key = obj["data"].get("tls.key")
        if key:
            assert key not in everything
    assert "not-a-real-key" not in everything


@pytest.mark.parametrize(
    ("text", "hours"),
    [("336h", 336), ("2160h0m0s", 2160), ("1h30m", 1.5), ("90m", 1.5), ("1.5h", 1.5)],
)
def test_go_durations(text: str, hours: float) -> None:
    assert certs.parse_go_duration(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "14d", "h", "10"])
def test_bad_go_durations(text: str) -> None:
    assert certs.parse_go_duration(text) is None


def test_log_lines_json_and_raw() -> None:
    raw = (DATA / "adapter-tiktok.log").read_bytes()
    lines = [parse_log_line(b) for b in iter_lines(response(raw)) if b]
    assert len(lines) == 9
    first, mismatch, plain, synced, legacy, numeric, broken, array, last = lines
    assert (first.level, first.order_id, first.trace_id, first.event_id) == (
        "info",
        "576461413038785752",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "tt_99120",
    )
    assert first.raw is None and not first.signature_mismatch
    assert mismatch.signature_mismatch and mismatch.text == "webhook rejected: signature mismatch"
    assert plain.raw == "event_id=shp_123456 SUCCESS" and plain.level is None
    assert synced.platform == "tiktok" and synced.shop_id == "shop_12"
    assert legacy.signature_mismatch and legacy.raw is not None  # case-insensitive, not JSON
    assert numeric.order_id == "114394168987722" and numeric.ts == "1741600800"
    assert numeric.signature_mismatch  # found in the error field
    assert broken.raw == '{"truncated": "json' and array.raw == "[1,2,3]"
    assert last.msg == "no newline at end"
    only = filter_lines(lines, order_id="576461413038785752")
    assert only == [first, mismatch]
    assert filter_lines(lines, trace_id="0af7651916cd43dd8448eb211c80319c") == [synced]
    # a line that is not JSON matches on its text
    assert filter_lines(lines, order_id="tt_99122") == [legacy]
    assert filter_lines(lines, order_id="no-such-order") == []


class Trickle(io.RawIOBase):
    """A socket-like body that hands out at most `chunk` bytes a read, as a slow link does."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._data = memoryview(data)
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(self._chunk, len(buffer), len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def response(data: bytes, chunk: int = 7) -> urllib3.HTTPResponse:
    body = io.BufferedReader(Trickle(data, chunk), buffer_size=chunk)
    return urllib3.HTTPResponse(body=body, preload_content=False)


def test_iter_lines_cuts_runaway_lines() -> None:
    data = b"short\n" + b"x" * 5000 + b"\nafter\n" + b"y" * 3000
    lines = list(iter_lines(response(data, chunk=512), max_line=1000))
    assert lines == [b"short", b"x" * 1000, b"after", b"y" * 1000]


def test_watch_event_lines_split_across_chunks() -> None:
    raw = (DATA / "watch_pods.jsonl").read_bytes()
    events = [json.loads(b) for b in iter_lines(response(raw, chunk=13))]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "BOOKMARK", "DELETED", "ERROR"]


def test_a_tls_secret_is_parsed_without_its_key() -> None:
    for obj in items("secrets.json"):
        expected = certs.parse_tls_secret(json.loads(json.dumps(obj)))[2:]
        assert tls_secrets.parse_without_key(obj) == expected
        assert "tls.key" not in (obj.get("data") or {})  # gone from the object itself


def test_a_covered_secret_is_never_read_and_its_certificate_says_the_rest() -> None:
    rows = [certs.parse_certificate(o) for o in items("certificates.json")]
    refs = [tls_secrets.secret_ref(o) for o in items("secrets.json")]
    reader = tls_secrets.TlsReader(None, 1.0)  # type: ignore[arg-type]  # never asked to GET
    assert reader.facts(refs, None) == {
        ("openclaw", r.name): (None, "not read: the Certificates are not listed yet") for r in refs
    }
    covered = {(c.namespace, c.secret) for c in rows}
    secrets = reader.facts([r for r in refs if (r.namespace, r.name) in covered], covered)
    assert set(secrets.values()) == {(None, None)} and not reader.fetched
    joined = {c.name: c for c in certs.join_certificates(rows, secrets)}
    webhooks = joined["webhooks"]
    assert webhooks.tls is None and webhooks.tls_error is None
    assert webhooks.not_after == datetime(2025, 3, 15, 10, 0, tzinfo=UTC)
    assert webhooks.issued_at == datetime(2025, 1, 1, tzinfo=UTC)  # status.notBefore
    assert joined["fresh"].tls_error == "Secret fresh-tls not found"
