"""PrometheusSource against real stores filled with the same series (Prometheus, and
VictoriaMetrics, which aligns range queries to the step), and against small local servers for
the faults a real one will not produce on demand."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from metric_stores import STORES, OpenMetrics, Store, start_store

from oc_console.analysis.metrics import metrics_findings
from oc_console.config import PrometheusConfig
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.errors import SourceError
from oc_console.sources.prometheus import PrometheusSource
from oc_console.sources.promql import catalog

pytestmark = pytest.mark.integration

MIB = 2**20
LIMIT = 512 * MIB
P1 = "openclaw-adapter-amazon-5d8f7b9c4-x2k9p"  # the amazon pod running now
P0 = "openclaw-adapter-amazon-5d8f7b9c4-old00"  # the one it replaced 40 min ago


async def fetch(
    url: str, namespaces: tuple[str, ...] = ("openclaw",), **cfg: Any
) -> MetricsSnapshot:
    source = PrometheusSource(PrometheusConfig(url=url, **cfg), namespaces)
    try:
        return await source.fetch()
    finally:
        await source.close()


# --- a real store, filled with the same series: Prometheus and VictoriaMetrics ---


@pytest.fixture(scope="module", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def fleet_series(end: int, cluster: str | None = None) -> OpenMetrics:
    """amazon fails 10 % with 5xx; shopee gets 60 % 429s; lazada's queue is deep behind a fast
    adapter; coupang's is behind calls that hit the timeout; tiktok stopped 20 min ago."""
    om = OpenMetrics(end, {"cluster": cluster} if cluster else None)
    req, dur = "openclaw_adapter_requests_total", "openclaw_adapter_request_duration_seconds_bucket"
    traffic: dict[str, tuple[dict[str, float], dict[str, float]]] = {
        "amazon": ({"200": 9, "500": 1}, {"0.1": 5, "0.25": 8, "0.5": 9, "1": 9.8, "+Inf": 10}),
        "shopee": ({"200": 4, "429": 6}, {"0.1": 10, "+Inf": 10}),
        "lazada": ({"200": 5}, {"0.25": 5, "+Inf": 5}),
        "coupang": ({"200": 2}, {"25": 0, "30": 2, "+Inf": 2}),
        "tiktok": ({"200": 3}, {"1": 3, "+Inf": 3}),
    }
    queues = {"amazon": (3, 2), "shopee": (4, 1), "lazada": (2500, 1200), "coupang": (800, 600)}
    queues["tiktok"] = (7, 1)
    for platform, (statuses, buckets) in traffic.items():
        until = 1200 if platform == "tiktok" else 0
        for status, rate in statuses.items():
            om.counter(req, {"platform": platform, "status": status}, rate, until)
        for le, rate in buckets.items():
            om.counter(dur, {"platform": platform, "le": le}, rate, until)
        depth, age = queues[platform]
        om.series("openclaw_queue_depth", {"platform": platform}, depth, until)
        om.series("openclaw_queue_oldest_age_seconds", {"platform": platform}, age, until)
    fail = "openclaw_order_sync_failures_total"
    om.counter(fail, {"platform": "amazon", "reason": "platform_5xx"}, 0.5)
    om.counter(fail, {"platform": "amazon", "reason": "validation_error"}, 0.01)

    def climbing(t: int) -> float:  # half the limit two hours ago, 95 % for the last 10 min
        return LIMIT * (0.5 + 0.45 * min(1.0, (t - end + 7200) / 6600))

    ids = {"namespace": "openclaw", "pod": P1, "container": "adapter"}
    ws, limits = "container_memory_working_set_bytes", "kube_pod_container_resource_limits"
    om.series(ws, ids, climbing)
    om.series(ws, {**ids, "container": "istio-proxy"}, 50 * MIB)
    om.series(ws, {**ids, "container": ""}, 999 * MIB)  # cAdvisor's whole-pod series
    om.series(ws, {**ids, "container": "POD"}, MIB)
    om.series(limits, {**ids, "resource": "memory", "unit": "byte"}, LIMIT)
    om.series(limits, {**ids, "resource": "cpu", "unit": "core"}, 2)
    om.series("kube_pod_container_status_restarts_total", ids, 3)
    reason = "kube_pod_container_status_last_terminated_reason"
    om.series(reason, {**ids, "reason": "OOMKilled"}, 1)
    old = {**ids, "pod": P0}
    om.series(ws, old, LIMIT, until=2400)
    om.series(reason, {**old, "reason": "OOMKilled"}, 1, until=2400)
    staging = {"namespace": "staging", "pod": "openclaw-adapter-amazon-6c7d8e9f0-s1s1s"}
    om.series(ws, {**staging, "container": "adapter"}, 100 * MIB)
    webhook = {"namespace": "openclaw", "pod": "openclaw-webhook-5d8f7b9c4-w1w1w"}
    om.series(ws, {**webhook, "container": "webhook"}, 100 * MIB)
    return om


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, store_kind: str) -> Iterator[Store]:
    workdir = tmp_path_factory.mktemp(store_kind)
    server = start_store(store_kind, workdir, fleet_series(int(time.time())))
    try:
        yield server
    finally:
        server.stop()


async def test_adapter_numbers_as_the_console_shows_them(fleet: Store) -> None:
    snap = await fetch(fleet.url)
    assert (snap.queries, snap.warnings, snap.stand_in) == (11, (), False)
    platforms = [a.platform for a in snap.adapters]
    assert platforms == ["amazon", "coupang", "lazada", "shopee", "tiktok"]
    amazon = snap.adapter("amazon")
    assert amazon is not None
    assert amazon.request_rate == pytest.approx(10)
    assert amazon.error_ratio == pytest.approx(0.1)
    assert amazon.throttled_ratio == 0
    assert amazon.p95_latency_seconds == pytest.approx(0.8125)  # 0.5 + 0.5 * (9.5 - 9) / 0.8
    assert (amazon.queue_depth, amazon.queue_oldest_age_seconds) == (3, 2)
    assert [r for r, _ in amazon.sync_failures] == ["platform_5xx", "validation_error"]
    assert [n for _, n in amazon.sync_failures] == pytest.approx([1800, 36])
    assert amazon.last_sample_age_seconds is not None and 0 <= amazon.last_sample_age_seconds < 60
    # an hour of the 5xx share, a point a minute
    assert 55 <= len(amazon.error_ratio_history) <= 61
    assert [v for _, v in amazon.error_ratio_history[-5:]] == pytest.approx([0.1] * 5)
    shopee, lazada, coupang = (snap.adapter(p) for p in ("shopee", "lazada", "coupang"))
    assert shopee is not None and lazada is not None and coupang is not None
    assert shopee.throttled_ratio == pytest.approx(0.6)
    assert shopee.error_ratio == 0
    assert shopee.p95_latency_seconds == pytest.approx(0.095)
    assert (lazada.queue_depth, lazada.queue_oldest_age_seconds) == (2500, 1200)
    assert lazada.p95_latency_seconds == pytest.approx(0.2375)
    assert coupang.p95_latency_seconds == pytest.approx(29.75)


async def test_a_scrape_that_stopped_shows_its_age(fleet: Store) -> None:
    tiktok = (await fetch(fleet.url)).adapter("tiktok")
    assert tiktok is not None
    assert tiktok.request_rate is None and tiktok.queue_depth is None
    assert tiktok.last_sample_age_seconds is not None
    assert 1200 <= tiktok.last_sample_age_seconds < 1260


async def test_pod_memory_restarts_and_oom_history(fleet: Store) -> None:
    snap = await fetch(fleet.url)
    assert [(p.pod, p.container) for p in snap.pods] == [(P1, "adapter"), (P1, "istio-proxy")]
    adapter, sidecar = snap.pods
    assert adapter.platform == "amazon"
    assert adapter.limit_bytes == LIMIT
    assert adapter.working_set_bytes == pytest.approx(0.95 * LIMIT)
    assert adapter.ratio == pytest.approx(0.95)
    assert (adapter.restarts, adapter.last_terminated_reason) == (3, "OOMKilled")
    assert len(adapter.history) == 61
    assert list(adapter.history) == sorted(adapter.history)
    assert adapter.history[-1] == adapter.working_set_bytes
    assert 0.74 < adapter.ratio_history[0] < 0.75  # an hour ago: 0.5 + 0.45 * 3600 / 6600
    assert (sidecar.limit_bytes, sidecar.ratio) == (None, None)
    # The replaced pod is gone from the pods, not from kube-state-metrics' history.
    kills = snap.oom_kills("amazon")
    assert [k.pod for k in kills] == [P1, P0]
    assert snap.evaluated_at is not None
    assert 2400 <= snap.evaluated_at - kills[1].last_reported_at < 2460


async def test_findings_from_a_real_prometheus(fleet: Store) -> None:
    snap = await fetch(fleet.url)
    found = metrics_findings(snap, expected_platforms={"amazon", "walmart"})
    assert sorted((f.id, f.subject) for f in found) == [
        ("adapter-error-rate", "openclaw/openclaw-adapter-amazon"),
        ("adapter-throttled", "adapter/shopee"),
        ("memory-near-limit", "openclaw/openclaw-adapter-amazon"),
        ("metrics-absent", "adapter/tiktok"),
        ("metrics-absent", "adapter/walmart"),
        ("queue-backlog", "adapter/coupang"),
        ("queue-backlog", "adapter/lazada"),
    ]
    causes = {f.subject: f.evidence[0] for f in found if f.id == "queue-backlog"}
    assert causes == {"adapter/coupang": "cause: timeout", "adapter/lazada": "cause: backlog"}


async def test_namespaces_filter_pods_and_are_escaped(fleet: Store) -> None:
    staging = await fetch(fleet.url, ("staging",))
    assert [p.namespace for p in staging.pods] == ["staging"]
    # Metacharacters are taken literally: "openclaw.*" is not "openclaw", and the quote and
    # backslash do not break the query.
    odd = await fetch(fleet.url, ('open"cl\\aw', "openclaw.*"))
    assert odd.pods == () and odd.terminations == ()
    assert len(odd.adapters) == 5  # adapter series carry no namespace label here


async def test_prometheus_going_down(tmp_path: Path, store_kind: str) -> None:
    server = start_store(store_kind, tmp_path, fleet_series(int(time.time())))
    try:
        assert (await fetch(server.url)).adapters
    finally:
        server.stop()
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        await fetch(server.url)
    assert str(err.value) == f"Prometheus at {server.url} is unreachable: Connection refused"
    assert time.monotonic() - started < 2


def other_clusters(end: int) -> OpenMetrics:
    """Beside eu-west in the same store: us-east runs walmart, a cluster with a hostile name
    runs lazada; neither is short of memory."""
    om = OpenMetrics(end, {"cluster": "us-east"})
    walmart = {"namespace": "openclaw", "pod": "openclaw-adapter-walmart-7f6e5d4c3-w4lm4"}
    om.counter("openclaw_adapter_requests_total", {"platform": "walmart", "status": "200"}, 20)
    om.series("container_memory_working_set_bytes", {**walmart, "container": "adapter"}, MIB)
    odd = OpenMetrics(end, {"cluster": 'eu-west"} or vector(1) #\\'})
    odd.counter("openclaw_adapter_requests_total", {"platform": "lazada", "status": "200"}, 5)
    om.lines += odd.lines
    return om


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, store_kind: str) -> Iterator[Store]:
    """One store for three clusters, as Thanos, Mimir or VictoriaMetrics hold a fleet's."""
    end = int(time.time())
    data = fleet_series(end, "eu-west")
    data.lines += other_clusters(end).lines
    server = start_store(store_kind, tmp_path_factory.mktemp(f"shared-{store_kind}"), data)
    try:
        yield server
    finally:
        server.stop()


async def test_one_store_for_many_clusters_read_by_the_cluster_label(shared_store: Store) -> None:
    eu = await fetch(shared_store.url, cluster="eu-west")
    assert [a.platform for a in eu.adapters] == ["amazon", "coupang", "lazada", "shopee", "tiktok"]
    assert [(p.pod, p.container) for p in eu.pods] == [(P1, "adapter"), (P1, "istio-proxy")]
    found = metrics_findings(eu, expected_platforms={"amazon"})
    assert ("memory-near-limit", "openclaw/openclaw-adapter-amazon") in {
        (f.id, f.subject) for f in found
    }
    us = await fetch(shared_store.url, cluster="us-east")
    assert [a.platform for a in us.adapters] == ["walmart"]
    assert [p.pod for p in us.pods] == ["openclaw-adapter-walmart-7f6e5d4c3-w4lm4"]
    assert us.oom_kills("amazon") == ()
    # The value is taken literally: a quote, a backslash or a regex reads one cluster or none.
    odd = await fetch(shared_store.url, cluster='eu-west"} or vector(1) #\\')
    assert [a.platform for a in odd.adapters] == ["lazada"] and odd.pods == ()
    assert (await fetch(shared_store.url, cluster="eu-.*")).adapters == ()
    # Another label name: no series carries it, so nothing is read rather than everything.
    assert (await fetch(shared_store.url, cluster="eu-west", cluster_label="region")).adapters == ()
    everything = await fetch(shared_store.url)
    assert {a.platform for a in everything.adapters} >= {"amazon", "walmart"}


# --- faults, from small local servers ---

QUERY_NAMES = {q.promql: q.name for q in catalog(("openclaw",))}
Respond = Callable[[str, Mapping[str, str]], tuple[int, bytes]]


def ok(result: list[dict[str, object]] | None = None, *warnings: str) -> tuple[int, bytes]:
    data = {"resultType": "vector", "result": result or []}
    body: dict[str, object] = {"status": "success", "data": data}
    if warnings:
        body["warnings"] = list(warnings)
    return 200, json.dumps(body).encode()


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # a refresh's queries arrive at once
    daemon_threads = True


@dataclass
class FakeApi:
    respond: Respond
    tls: ssl.SSLContext | None = None
    hits: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query).get("query", [""])[0]
                name = QUERY_NAMES.get(query, "unknown")
                api.hits.append(name)
                status, body = api.respond(name, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api() -> Iterator[Callable[..., FakeApi]]:
    started: list[FakeApi] = []

    def start(respond: Respond, tls: ssl.SSLContext | None = None) -> FakeApi:
        started.append(FakeApi(respond, tls))
        return started[-1]

    yield start
    for server in started:
        server.stop()


async def test_slow_server_times_out_without_retrying(api: Callable[..., FakeApi]) -> None:
    def slow(name: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        time.sleep(2)
        return ok()

    server = api(slow)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"did not answer within 0\.5s$"):
        await fetch(server.url, timeout_seconds=0.5)
    assert time.monotonic() - started < 1.5
    assert len(server.hits) == 11  # one try per query, all at once


async def test_bad_gateway_is_retried_once(api: Callable[..., FakeApi]) -> None:
    server = api(lambda name, headers: (503, b"upstream connect error"))
    with pytest.raises(SourceError) as err:
        await fetch(server.url)
    assert str(err.value) == f"Prometheus at {server.url} failed (HTTP 503): upstream connect error"
    assert len(server.hits) == 22  # every query tried twice


async def test_bad_query_names_the_query_and_the_reason(api: Callable[..., FakeApi]) -> None:
    def reject(name: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        if name != "requests":
            return ok()
        body = {"status": "error", "errorType": "execution", "error": "many-to-many matching"}
        return 422, json.dumps(body).encode()

    server = api(reject)
    with pytest.raises(SourceError) as err:
        await fetch(server.url)
    assert str(err.value) == (
        f"Prometheus at {server.url} rejected the 'requests' query (HTTP 422): "
        "execution: many-to-many matching"
    )


async def test_empty_answers_are_an_empty_snapshot(api: Callable[..., FakeApi]) -> None:
    snap = await fetch(api(lambda name, headers: ok()).url)
    assert (snap.adapters, snap.pods, snap.terminations) == ((), (), ())
    assert [f.subject for f in metrics_findings(snap)] == ["prometheus"]


async def test_nan_and_inf(api: Callable[..., FakeApi]) -> None:
    now = time.time()
    answers: dict[str, list[dict[str, object]]] = {
        "requests": [
            {"metric": {"platform": "amazon", "status": "200"}, "value": [now, "+Inf"]},
            {"metric": {"platform": "amazon", "status": "500"}, "value": [now, "+Inf"]},
        ],
        "latency_p95": [
            {"metric": {"platform": "amazon"}, "value": [now, "NaN"]},
            {"metric": {"platform": "shopee"}, "value": [now, "+Inf"]},
        ],
        "queue": [
            {
                "metric": {"__name__": "openclaw_queue_depth", "platform": "shopee"},
                "value": [now, "-Inf"],
            },
        ],
    }
    snap = await fetch(api(lambda name, headers: ok(answers.get(name))).url)
    amazon, shopee = snap.adapter("amazon"), snap.adapter("shopee")
    assert amazon is not None and shopee is not None
    assert amazon.request_rate == math.inf
    assert amazon.error_ratio is None  # inf / inf says nothing
    assert amazon.p95_latency_seconds is None
    assert shopee.p95_latency_seconds == math.inf and shopee.queue_depth == -math.inf
    found = metrics_findings(snap)
    assert all(f.summary.endswith(".") for f in found)


async def test_partial_results_keep_their_warnings(api: Callable[..., FakeApi]) -> None:
    partial = "partial response: 1 of 3 store gateways did not answer"
    now = time.time()

    def respond(name: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        if name == "requests":
            series: dict[str, object] = {
                "metric": {"platform": "amazon", "status": "200"},
                "value": [now, "4"],
            }
            return ok([series], partial, "PromQL info: metric might not be a counter")
        return ok([], partial)

    snap = await fetch(api(respond).url)
    assert snap.warnings == (partial, "PromQL info: metric might not be a counter")
    assert not snap.stand_in
    amazon = snap.adapter("amazon")
    assert amazon is not None and amazon.request_rate == 4


async def test_not_a_prometheus(api: Callable[..., FakeApi]) -> None:
    server = api(lambda name, headers: (200, b"<html>login</html>"))
    with pytest.raises(SourceError, match="does not answer as a Prometheus API"):
        await fetch(server.url)


async def test_bearer_token_is_read_afresh_and_headers_sent(
    api: Callable[..., FakeApi], tmp_path: Path
) -> None:
    expected = {"token": "tok-1"}

    def guarded(name: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
        good = headers.get("Authorization") == f"Bearer {expected['token']}"
        if not good or headers.get("X-Scope-OrgID") != "tenant-a":
            return 401, b"unauthorized"
        return ok()

    server = api(guarded)
    token = tmp_path / "token"
    token.write_text("tok-1\n")
    cfg: dict[str, Any] = {
        "bearer_token_file": str(token),
        "headers": {"X-Scope-OrgID": "tenant-a"},
    }
    source = PrometheusSource(PrometheusConfig(url=server.url, **cfg), ("openclaw",))
    try:
        await source.fetch()
        expected["token"] = "tok-2"  # the token was rotated
        token.write_text("tok-2\n")
        await source.fetch()
        token.write_text("stale")
        with pytest.raises(SourceError, match=r"refused the credentials \(HTTP 401\)"):
            await source.fetch()
        token.unlink()
        with pytest.raises(SourceError, match="cannot read the Prometheus bearer token file"):
            await source.fetch()
    finally:
        await source.close()


async def test_basic_auth(api: Callable[..., FakeApi]) -> None:
    basic = "Basic " + base64.b64encode(b"oncall:s3cret").decode()
    server = api(lambda n, h: ok() if h.get("Authorization") == basic else (401, b"no"))
    await fetch(server.url, username="oncall", password="s3cret")
    with pytest.raises(SourceError, match="HTTP 401"):
        await fetch(server.url, username="oncall", password="wrong")


def make_ca_and_server_cert(workdir: Path) -> tuple[Path, ssl.SSLContext]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test ca")])
    ca = cert("test ca", ca_key, ca_name, ca_key, ca=True)
    server = cert("127.0.0.1", server_key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (workdir / "ca.pem").write_bytes(ca.public_bytes(pem))
    (workdir / "server.pem").write_bytes(server.public_bytes(pem))
    (workdir / "server.key").write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(workdir / "server.pem", workdir / "server.key")
    return workdir / "ca.pem", context


async def test_custom_ca(api: Callable[..., FakeApi], tmp_path: Path) -> None:
    ca_file, context = make_ca_and_server_cert(tmp_path)
    server = api(lambda name, headers: ok(), context)
    await fetch(server.url, ca_file=str(ca_file))
    with pytest.raises(SourceError) as err:
        await fetch(server.url)
    assert str(err.value) == (
        f"TLS to Prometheus at {server.url} failed: certificate verify failed "
        "(set prometheus.ca_file to its CA)"
    )


def community_pgbouncer(end: int) -> OpenMetrics:
    """prometheus-community/pgbouncer_exporter's names: one exhausted pool (clients wait, no
    server idle) and one with an idle server, on one PgBouncer."""
    data = OpenMetrics(end)
    pg0 = {"instance": "pgbouncer-0:9127", "job": "pgbouncer"}
    pools = {
        ("openclaw", "openclaw_adapter"): (20, 7, 20, 0, 0, 3.5),
        ("reports", "reporter"): (1, 0, 1, 4, 0, 0.0),
    }
    names = ("client_active_connections", "client_waiting_connections",
             "server_active_connections", "server_idle_connections",
             "server_used_connections", "client_maxwait_seconds")  # fmt: skip
    for (database, user), values in pools.items():
        for name, value in zip(names, values, strict=True):
            labels = {**pg0, "database": database, "user": user}
            data.series(f"pgbouncer_pools_{name}", labels, float(value))
        labels = {**pg0, "name": database, "database": database}
        data.series("pgbouncer_databases_pool_size", labels, 20.0 if user != "reporter" else 5.0)
    return data


async def test_pgbouncer_pools_by_the_community_exporters_names(
    tmp_path: Path, store_kind: str
) -> None:
    from oc_console.analysis.database import bouncer_findings

    server = start_store(store_kind, tmp_path, community_pgbouncer(int(time.time())))
    try:
        snap = await fetch(server.url)
    finally:
        server.stop()
    spent, fine = snap.pgbouncer
    assert (spent.database, spent.client_waiting, spent.server_idle, spent.pool_size) == (
        "openclaw", 7, 0, 20)  # fmt: skip
    assert (spent.max_wait_s, spent.instance, fine.server_idle) == (3.5, "pgbouncer-0:9127", 4)
    [finding] = bouncer_findings(snap.pgbouncer)
    assert finding.subject == "pgbouncer openclaw/openclaw_adapter"
    assert finding.evidence[:2] == (
        "clients: 20 active, 7 waiting, the oldest waiting 3.5s",
        "servers: 20 active, 0 idle, 0 used; pool_size 20",
    )
