"""Trace payloads: OTLP protobuf made by the OpenTelemetry SDK (plain and in Tempo's v2
wrapper), OTLP JSON as the Tempo and Jaeger documentation show it (base64 and hex ids), and
every way one can be wrong."""

from __future__ import annotations

import base64

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from oc_console.errors import SourceError
from oc_console.sandbox.traces.server import v2_wrap
from oc_console.sources.traces import otlp
from oc_console.sources.traces.tempo import order_query, parse_search

S = 1_000_000_000


def sdk_trace_bytes(*, drop_root: bool = False) -> tuple[bytes, str]:
    """A webhook span with an adapter child that retried once (HTTP 429) and failed."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "oc-adapter-amazon"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    root = tracer.start_span("POST /webhooks/amazon", start_time=10 * S)
    child = tracer.start_span(
        "amazon PUT /orders/{id}",
        context=set_span_in_context(root),
        start_time=10 * S + S // 2,
        attributes={"order_id": "114-3941689-8772232", "http.status_code": 429, "retry": 1},
    )
    child.add_event("retry scheduled", {"backoff_s": 2}, timestamp=11 * S)
    child.set_status(Status(StatusCode.ERROR, "429 Too Many Requests"))
    child.end(end_time=11 * S)
    root.end(end_time=12 * S)
    spans = exporter.get_finished_spans()
    if drop_root:
        spans = tuple(s for s in spans if s.parent is not None)
    trace_id = f"{root.get_span_context().trace_id:032x}"
    return bytes(encode_spans(spans).SerializeToString()), trace_id


def test_sdk_protobuf_is_read_into_spans_in_waterfall_order() -> None:
    data, trace_id = sdk_trace_bytes()
    [trace] = otlp.parse_protobuf(data)
    assert trace.trace_id == trace_id and trace.missing_parents == ()
    root, child = trace.spans
    assert trace.depths == (0, 1)
    assert root.parent_span_id is None and child.parent_span_id == root.span_id
    assert child.service == "oc-adapter-amazon" and child.name == "amazon PUT /orders/{id}"
    assert child.status == "error" and child.status_message == "429 Too Many Requests"
    assert child.attribute("http.status_code") == "429" and child.attribute("retry") == "1"
    assert child.duration_ms == 500.0
    assert child.events[0].name == "retry scheduled"
    assert dict(child.events[0].attributes) == {"backoff_s": "2"}


def test_the_v2_wrapper_is_unwrapped_to_the_same_trace() -> None:
    data, _ = sdk_trace_bytes()
    wrapped = v2_wrap(data) + b"\x18\x01"  # plus a status varint, as a partial answer has
    assert otlp.parse_protobuf(otlp.unwrap_v2(wrapped)) == otlp.parse_protobuf(data)


def test_a_truncated_v2_wrapper_is_a_clear_error() -> None:
    data, _ = sdk_trace_bytes()
    with pytest.raises(SourceError, match="malformed protobuf"):
        otlp.unwrap_v2(v2_wrap(data)[:-40])


@pytest.mark.parametrize("junk", [b"\xff\xff\xff\xff", b"\x0a\x05abc", b"<html>502</html>"])
def test_malformed_protobuf_is_one_clear_line(junk: bytes) -> None:
    with pytest.raises(SourceError, match="malformed OTLP protobuf") as err:
        otlp.parse_protobuf(junk)
    assert "\n" not in str(err.value)


def test_a_partial_trace_keeps_its_orphans_and_names_the_missing_parent() -> None:
    data, _ = sdk_trace_bytes(drop_root=True)
    [trace] = otlp.parse_protobuf(data)
    assert len(trace.spans) == 1 and trace.depths == (0,)  # the orphan is shown as a root
    assert trace.missing_parents == (trace.spans[0].parent_span_id,)


def test_no_spans_is_no_traces() -> None:
    assert otlp.parse_protobuf(b"") == []
    assert otlp.parse_json({"resourceSpans": []}) == []


# From Tempo's API documentation (GET /api/traces/<id>, JSON): ids in base64.
TEMPO_JSON = {
    "batches": [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "shop-backend"}}]
            },
            "scopeSpans": [
                {
                    "scope": {"name": "shop-backend"},
                    "spans": [
                        {
                            "traceId": "AAAAAAAAAABguiq7RPE+rg==",
                            "spanId": "cmteMBAvwNA=",
                            "parentSpanId": "OY8PIaPbma4=",
                            "name": "HTTP GET - root",
                            "kind": "SPAN_KIND_SERVER",
                            "startTimeUnixNano": "1711532345020785000",
                            "endTimeUnixNano": "1711532345021123000",
                            "attributes": [
                                {"key": "http.status_code", "value": {"intValue": "200"}},
                                {"key": "order_id", "value": {"stringValue": "A-1"}},
                            ],
                            "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                        }
                    ],
                }
            ],
        }
    ]
}

# From Jaeger's api_v3 (GET /api/v3/traces/<id>): OTLP JSON with hex ids, in a stream envelope.
JAEGER_JSON = {
    "result": {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {},
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "parentSpanId": "",
                                "name": "HTTP GET /dispatch",
                                "kind": 2,
                                "startTimeUnixNano": "1711532345020785000",
                                "endTimeUnixNano": "1711532345520785000",
                                "attributes": [
                                    {"key": "sampler.param", "value": {"boolValue": True}},
                                    {
                                        "key": "tags",
                                        "value": {"arrayValue": {"values": [{"stringValue": "a"}]}},
                                    },
                                ],
                                "status": {"code": 2},
                            }
                        ],
                    }
                ],
            }
        ]
    }
}


def test_tempo_json_base64_ids_are_decoded() -> None:
    [trace] = otlp.parse_json(TEMPO_JSON)
    [span] = trace.spans
    assert trace.trace_id == base64.b64decode("AAAAAAAAAABguiq7RPE+rg==").hex()
    assert span.span_id == "726b5e30102fc0d0" and span.parent_span_id == "398f0f21a3db99ae"
    assert trace.missing_parents == ("398f0f21a3db99ae",)
    assert span.status == "error" and span.status_message == "boom"
    assert span.service == "shop-backend" and span.attribute("http.status_code") == "200"


def test_jaeger_hex_ids_are_taken_as_hex_not_base64() -> None:
    [trace] = otlp.parse_json(JAEGER_JSON)
    [span] = trace.spans
    # base64-decoding these 32 characters would give 24 wrong bytes
    assert trace.trace_id == "5b8efff798038103d269b633813fc60c"
    assert span.span_id == "eee19b7ec3c1b174" and span.parent_span_id is None
    assert span.status == "error" and span.duration_ms == 500.0
    assert span.attribute("sampler.param") == "true" and span.attribute("tags") == "[a]"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([1, 2], "not an object"),
        ({"resourceSpans": {}}, "not a list"),
        ({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}, "traceId"),
        (
            {
                "resourceSpans": [
                    {
                        "scopeSpans": [
                            {
                                "spans": [
                                    {
                                        "traceId": "5b8efff798038103d269b633813fc60c",
                                        "spanId": "eee19b7ec3c1b174",
                                        "startTimeUnixNano": "soon",
                                    }
                                ]
                            }
                        ]
                    }
                ]
            },
            "startTimeUnixNano",
        ),
    ],
)
def test_malformed_json_names_what_is_wrong(doc: object, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        otlp.parse_json(doc)


def test_tempo_search_results_and_no_results() -> None:
    # from Tempo's docs; Tempo drops the leading zeros of a trace id
    doc = {
        "traces": [
            {"traceID": "2f3e0cee77ae5dc9c17ade3689eb2e54", "rootServiceName": "shop-backend"},
            {"traceID": "bf92f3577b34da6a3ce929d0e0e4736"},
        ],
        "metrics": {"totalBlocks": 13},
    }
    assert parse_search(doc) == [
        "2f3e0cee77ae5dc9c17ade3689eb2e54",
        "0bf92f3577b34da6a3ce929d0e0e4736",
    ]
    assert parse_search({"traces": [], "metrics": {}}) == []
    assert parse_search({"metrics": {}}) == []
    with pytest.raises(SourceError, match="not hex"):
        parse_search({"traces": [{"traceID": "xyz"}]})


def test_the_order_id_is_a_quoted_traceql_literal() -> None:
    assert order_query("114-3941689-8772232") == '{ span.order_id = "114-3941689-8772232" }'
    assert order_query('a" } || { "b') == '{ span.order_id = "a\\" } || { \\"b" }'
    assert order_query("a\\b\n") == '{ span.order_id = "a\\\\b\\n" }'
