"""The sandbox's orders, as the OpenTelemetry SDK records them: the failed order (429 twice,
then a timeout), a slow one, one that succeeded, and one whose trace holds 20,000 spans.

Spans are made by the real SDK (TracerProvider, one per service so each has its resource)
with explicit start and end times, then encoded by the OTLP exporter's own encoder, so the
bytes are what a real collector would hand Tempo."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

from oc_console.sandbox.openclaw_db import STUCK_ORDER

S = 1_000_000_000  # nanoseconds in a second
BIG_TRACE_SPANS = 20_000
# one call to the platform's API: start and end (seconds after the webhook), HTTP status, error
Call = tuple[float, float, int | None, str | None]


def seeded_order(i: int) -> tuple[str, str]:
    """Order number `i` of the sandbox database's seed (openclaw_db.SCHEMA) and its platform."""
    platforms = ("amazon", "shopee", "tiktok", "lazada", "coupang", "walmart", "shopify")
    return f"{100 + i % 900}-{i * 7919 % 10_000_000:07d}-{i * 104729 % 10_000_000:07d}", platforms[
        i % 7
    ]


def seeded_trace_id(order_id: str, k: int) -> str:
    """The seed's order_events.trace_id: md5(order_id || k)."""
    return hashlib.md5(f"{order_id}{k}".encode()).hexdigest()  # not for security: the seed uses md5


SUCCEEDED = seeded_order(1)  # synced a minute ago
SLOW = seeded_order(2)  # synced, but its platform call took 12 s
BIG = seeded_order(3)  # a bulk inventory sync: 20,000 spans
FAILED_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"  # order_events.trace_id of STUCK_ORDER


class _FixedIds(IdGenerator):
    """The next trace gets a chosen id, so traces match the database's trace_id column."""

    def __init__(self) -> None:
        self.random = RandomIdGenerator()
        self.next_trace: int | None = None

    def generate_span_id(self) -> int:
        return self.random.generate_span_id()

    def generate_trace_id(self) -> int:
        chosen, self.next_trace = self.next_trace, None
        return chosen if chosen is not None else self.random.generate_trace_id()


@dataclass
class Recorder:
    exporter: InMemorySpanExporter
    ids: _FixedIds
    providers: dict[tuple[str, str], TracerProvider]

    def tracer(self, service: str, pod: str) -> object:
        key = (service, pod)
        if key not in self.providers:
            provider = TracerProvider(
                resource=Resource.create(
                    {
                        "service.name": service,
                        "k8s.pod.name": pod,
                        "k8s.namespace.name": "openclaw",
                    }
                ),
                id_generator=self.ids,
                shutdown_on_exit=False,  # the sandbox may still be recording at exit
            )
            provider.add_span_processor(SimpleSpanProcessor(self.exporter))
            self.providers[key] = provider
        return self.providers[key].get_tracer("openclaw")


def _recorder() -> Recorder:
    return Recorder(InMemorySpanExporter(), _FixedIds(), {})


def _span(
    rec: Recorder,
    service: str,
    pod: str,
    name: str,
    start: int,
    end: int,
    parent: object | None = None,
    *,
    attrs: dict[str, object] | None = None,
    error: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    events: Sequence[tuple[str, int, dict[str, object]]] = (),
) -> object:
    tracer = rec.tracer(service, pod)
    ctx = set_span_in_context(parent) if parent is not None else None  # type: ignore[arg-type]
    span = tracer.start_span(  # type: ignore[attr-defined]
        name, context=ctx, kind=kind, start_time=start, attributes=attrs or {}
    )
    for event_name, at, event_attrs in events:
        span.add_event(event_name, event_attrs, timestamp=at)
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    else:
        span.set_status(Status(StatusCode.OK))
    span.end(end_time=end)
    return span


def _common(order_id: str, platform: str, shop: str, event_id: str) -> dict[str, object]:
    return {"order_id": order_id, "platform": platform, "shop_id": shop, "event_id": event_id}


def _order_trace(
    rec: Recorder,
    order_id: str,
    platform: str,
    pod: str,
    at: int,
    api_calls: Sequence[tuple[float, float, int | None, str | None]],
    final_state: str,
    *,
    shop: str = "shop_1042",
    event_id: str = "evt",
    fanout: int = 0,
) -> None:
    """webhook -> queue -> adapter sync -> platform API attempts -> database update."""
    common = _common(order_id, platform, shop, event_id)
    adapter = f"oc-adapter-{platform}"
    webhook_pod = "openclaw-webhook-6b8c9d7f4-k2x9p"
    root = _span(
        rec,
        "openclaw-webhook",
        webhook_pod,
        f"POST /webhooks/{platform}",
        at,
        at + S // 20,
        attrs={**common, "http.status_code": 202, "http.method": "POST"},
        kind=SpanKind.SERVER,
    )
    _span(
        rec,
        "openclaw-queue",
        "openclaw-queue-0",
        "queue publish order.updated",
        at + S // 25,
        at + S // 20,
        root,
        attrs=common,
        kind=SpanKind.PRODUCER,
    )
    last_end = max((at + int(end * S) for _, end, _, _ in api_calls), default=at + S)
    failed = final_state != "synced"
    sync = _span_open(rec, adapter, pod, "order.sync", at + int(0.4 * S), root, common)
    for retry, (begin, end, code, error) in enumerate(api_calls):
        attrs: dict[str, object] = {**common, "retry": retry, "http.method": "PUT"}
        if code is not None:
            attrs["http.status_code"] = code
        if error and "timeout" in error:
            attrs["error.type"] = "timeout"
        events: list[tuple[str, int, dict[str, object]]] = []
        if code == 429:
            events.append(("retry scheduled", at + int(end * S), {"backoff_s": 2 * (retry + 1)}))
        _span(
            rec,
            adapter,
            pod,
            f"{platform} PUT /orders/{{id}}",
            at + int(begin * S),
            at + int(end * S),
            sync,
            attrs=attrs,
            error=error,
            kind=SpanKind.CLIENT,
            events=events,
        )
    for i in range(fanout):  # a bulk sync: one inventory call per line item
        begin = at + S + i * 1_000_000
        _span(
            rec,
            adapter,
            pod,
            f"{platform} POST /inventory",
            begin,
            begin + 800_000,
            sync,
            attrs={**common, "http.status_code": 200, "sku": f"SKU-{i:05d}"},
            kind=SpanKind.CLIENT,
        )
        last_end = max(last_end, begin + 800_000)
    _span(
        rec,
        adapter,
        pod,
        "UPDATE order_events",
        last_end + S // 10,
        last_end + S // 10 + 15_000_000,
        sync,
        attrs={**common, "db.system": "postgresql", "order.status": final_state},
        kind=SpanKind.CLIENT,
        error="order parked as sync_failed" if failed else None,
    )
    sync.set_status(  # type: ignore[attr-defined]
        Status(StatusCode.ERROR, f"order {final_state}") if failed else Status(StatusCode.OK)
    )
    sync.end(end_time=last_end + S // 5)  # type: ignore[attr-defined]


def _span_open(
    rec: Recorder,
    service: str,
    pod: str,
    name: str,
    start: int,
    parent: object,
    attrs: dict[str, object],
) -> object:
    tracer = rec.tracer(service, pod)
    return tracer.start_span(  # type: ignore[attr-defined]
        name,
        context=set_span_in_context(parent),  # type: ignore[arg-type]
        kind=SpanKind.CONSUMER,
        start_time=start,
        attributes=attrs,
    )


@dataclass(frozen=True)
class SandboxTrace:
    """One trace as the endpoint serves it; plain data, so a worker process can build it."""

    trace_id: str
    order_id: str
    platform: str
    start_ns: int
    otlp: bytes  # TracesData (an ExportTraceServiceRequest has the same field 1)


def _record(rec: Recorder, trace_id: str, build: object) -> bytes:
    rec.exporter.clear()
    rec.ids.next_trace = int(trace_id, 16)
    build()  # type: ignore[operator]
    spans = rec.exporter.get_finished_spans()
    return bytes(encode_spans(spans).SerializeToString())


def build_cases(now: float, order_pod: str, order_at: float) -> list[SandboxTrace]:
    """Every case but the big one, which `big_case` builds on first use (it takes a second)."""
    rec = _recorder()
    cases = []
    failed_at = int(order_at * S)

    def failed() -> None:
        _order_trace(
            rec,
            STUCK_ORDER,
            "amazon",
            order_pod,
            failed_at,
            [
                (0.4, 1.1, 429, "429 Too Many Requests"),
                (3.2, 3.9, 429, "429 Too Many Requests"),
                (8.0, 38.0, None, "timeout: no response from amazon's API within 30 s"),
            ],
            "sync_failed",
            event_id="amz_evt_88213405",
        )

    cases.append(
        SandboxTrace(
            FAILED_TRACE_ID,
            STUCK_ORDER,
            "amazon",
            failed_at,
            _record(rec, FAILED_TRACE_ID, failed),
        )
    )
    cases_calls: tuple[tuple[tuple[str, str], int, Sequence[Call]], ...] = (
        (SUCCEEDED, 1, [(0.45, 0.62, 200, None)]),
        (SLOW, 2, [(0.45, 12.6, 200, None)]),
    )
    for (order_id, platform), minutes_ago, calls in cases_calls:
        at = int((now - minutes_ago * 60 - 60) * S)
        trace_id = seeded_trace_id(order_id, 2)

        def ok(
            order_id: str = order_id,
            platform: str = platform,
            at: int = at,
            calls: Sequence[Call] = calls,
        ) -> None:
            _order_trace(
                rec, order_id, platform, f"openclaw-adapter-{platform}-0", at, calls, "synced"
            )

        cases.append(SandboxTrace(trace_id, order_id, platform, at, _record(rec, trace_id, ok)))
    return cases


def big_case(now: float, spans: int = BIG_TRACE_SPANS) -> SandboxTrace:
    rec = _recorder()
    order_id, platform = BIG
    at = int((now - 3 * 60 - 60) * S)
    trace_id = seeded_trace_id(order_id, 2)

    def big() -> None:
        _order_trace(
            rec,
            order_id,
            platform,
            f"openclaw-adapter-{platform}-0",
            at,
            [(0.45, 0.6, 200, None)],
            "synced",
            fanout=spans - 5,  # webhook, queue, sync, the order call, the update
        )

    return SandboxTrace(trace_id, order_id, platform, at, _record(rec, trace_id, big))
