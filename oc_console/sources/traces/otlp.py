"""OTLP trace payloads -> Spans: protobuf `TracesData` (Tempo), its v2 wrapper, and OTLP JSON
(Jaeger api_v3 with hex ids, Tempo's JSON with base64 ids).

OTLP JSON is not fed to protobuf's json_format: the spec says hex ids, json_format reads
`bytes` fields as base64, and a hex trace id happens to be valid base64 of the wrong bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

from oc_console.domain.orders import Span, SpanEvent, Trace
from oc_console.errors import SourceError
from oc_console.sources.kube.watch import gc_paused

MAX_ATTRIBUTE_CHARS = 4096  # a span attribute is shown, not stored: a 1 MB value is cut here
_STATUS = {0: "unset", 1: "ok", 2: "error"}
_STATUS_NAMES = {"STATUS_CODE_UNSET": "unset", "STATUS_CODE_OK": "ok", "STATUS_CODE_ERROR": "error"}


def _value_text(value: Any) -> str:
    """An AnyValue (protobuf message) as text."""
    kind = value.WhichOneof("value")
    if kind == "string_value":  # by far the most common: first
        return str(value.string_value)
    if kind is None:
        return ""
    if kind == "array_value":
        return "[" + ", ".join(_value_text(v) for v in value.array_value.values) + "]"
    if kind == "kvlist_value":
        pairs = (f"{kv.key}={_value_text(kv.value)}" for kv in value.kvlist_value.values)
        return "{" + ", ".join(pairs) + "}"
    if kind == "bytes_value":
        return bytes(value.bytes_value).hex()
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    return str(getattr(value, kind))


def _attrs(kvs: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for kv in kvs:  # a loop, not a generator: this runs 100,000 times for a 20k-span trace
        value = kv.value
        if value.WhichOneof("value") == "string_value":
            out.append((kv.key, value.string_value[:MAX_ATTRIBUTE_CHARS]))
        else:
            out.append((kv.key, _value_text(value)[:MAX_ATTRIBUTE_CHARS]))
    return tuple(out)


def unwrap_v2(data: bytes) -> bytes:
    """Tempo's /api/v2/traces/<id> answers a TraceByIDResponse whose field 1 is the trace
    (wire-compatible with TracesData); the other fields (metrics, status) are skipped."""
    out = bytearray()
    pos, n = 0, len(data)

    def varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            if pos >= n or shift > 63:
                raise SourceError("malformed protobuf: truncated varint in the v2 response")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    while pos < n:
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length = varint()
            if pos + length > n:
                raise SourceError("malformed protobuf: a field runs past the end of the response")
            if field == 1:  # repeated occurrences merge, as protobuf does
                out += data[pos : pos + length]
            pos += length
        else:
            raise SourceError(f"malformed protobuf: wire type {wire} in the v2 response")
        if pos > n:
            raise SourceError("malformed protobuf: truncated v2 response")
    return bytes(out)


def parse_protobuf(data: bytes) -> list[Trace]:
    """OTLP `TracesData` bytes -> traces (one per trace id found). A 20k-span trace takes
    about half a second, a third of it in the garbage collector, which is paused meanwhile:
    everything allocated here stays alive anyway."""
    with gc_paused():
        return _parse_protobuf(data)


def _parse_protobuf(data: bytes) -> list[Trace]:
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

    msg = TracesData()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError) as exc:
        raise SourceError(f"malformed OTLP protobuf ({len(data)} bytes): {exc}") from None
    spans: list[Span] = []
    hex_ids: dict[bytes, str] = {}  # one trace id for thousands of spans: converted once
    for rs in msg.resource_spans:
        resource = _attrs(rs.resource.attributes)
        service = _service(resource)
        for ss in rs.scope_spans:
            for s in ss.spans:
                if len(s.trace_id) != 16 or len(s.span_id) != 8:
                    raise SourceError("malformed OTLP protobuf: a span without a valid id")
                trace_id = hex_ids.get(s.trace_id)
                if trace_id is None:
                    trace_id = hex_ids[s.trace_id] = s.trace_id.hex()
                spans.append(
                    Span(
                        trace_id=trace_id,
                        span_id=s.span_id.hex(),
                        parent_span_id=s.parent_span_id.hex() or None,
                        service=service,
                        name=s.name,
                        start_ns=s.start_time_unix_nano,
                        end_ns=s.end_time_unix_nano,
                        status=_STATUS.get(s.status.code, "unset"),
                        status_message=s.status.message,
                        attributes=_attrs(s.attributes),
                        events=tuple(
                            SpanEvent(e.name, e.time_unix_nano, _attrs(e.attributes))
                            for e in s.events
                        )
                        if s.events
                        else (),
                        resource=resource,
                    )
                )
    return assemble(spans)


def _service(attrs: tuple[tuple[str, str], ...]) -> str:
    return next((v for k, v in attrs if k == "service.name"), "") or "unknown"


def assemble(spans: list[Span]) -> list[Trace]:
    """Spans grouped by trace, by start time, with the parents they name but lack."""
    by_trace: dict[str, list[Span]] = {}
    for s in spans:
        by_trace.setdefault(s.trace_id, []).append(s)
    traces = []
    for tid, group in by_trace.items():
        group.sort(key=lambda s: (s.start_ns, s.span_id))
        ids = {s.span_id for s in group}
        missing = sorted({s.parent_span_id for s in group if s.parent_span_id} - ids)
        ordered, depths = _depth_first(group, ids)
        traces.append(Trace(tid, ordered, tuple(missing), depths))
    traces.sort(key=lambda t: t.start_ns)
    return traces


def _depth_first(spans: list[Span], ids: set[str]) -> tuple[tuple[Span, ...], tuple[int, ...]]:
    """Parents before their children, siblings by start; a span whose parent is missing is
    shown as a root rather than dropped. Iterative: a 20k-deep chain must not recurse."""
    children: dict[str | None, list[Span]] = {}
    for s in spans:  # already by start, so each child list is too
        parent = s.parent_span_id if s.parent_span_id in ids else None
        children.setdefault(parent, []).append(s)
    ordered: list[Span] = []
    depths: list[int] = []
    stack = [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        span, depth = stack.pop()
        ordered.append(span)
        depths.append(depth)
        kids = children.get(span.span_id)
        if kids:
            stack.extend([(c, depth + 1) for c in reversed(kids)])
    if len(ordered) < len(spans):  # a cycle of parents: keep the spans it would hide
        seen = {id(s) for s in ordered}
        for s in spans:
            if id(s) not in seen:
                ordered.append(s)
                depths.append(0)
    return tuple(ordered), tuple(depths)


# --- OTLP JSON -------------------------------------------------------------------------------


def decode_id(text: object, size: int, what: str) -> str:
    """A trace (16 bytes) or span (8 bytes) id as lowercase hex, from either JSON encoding:
    hex (the OTLP spec, Jaeger) or base64 (protobuf's JSON mapping, Tempo). The lengths
    differ (32 hex digits against 24 base64 characters), so the encoding is never guessed."""
    if not isinstance(text, str):
        raise SourceError(f"malformed OTLP JSON: {what} is not a string")
    if len(text) == 2 * size:
        try:
            return bytes.fromhex(text).hex()
        except ValueError:
            pass
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise SourceError(f"malformed OTLP JSON: {what} {text[:40]!r} is neither hex nor base64")
    return raw.hex()


def _json_value(value: Any) -> str:
    if not isinstance(value, Mapping) or not value:
        return ""
    kind, inner = next(iter(value.items()))
    if kind == "arrayValue":
        return "[" + ", ".join(_json_value(v) for v in (inner or {}).get("values", [])) + "]"
    if kind == "kvlistValue":
        kvs = (inner or {}).get("values", [])
        pairs = (f"{kv.get('key')}={_json_value(kv.get('value'))}" for kv in kvs)
        return "{" + ", ".join(pairs) + "}"
    if kind == "boolValue":
        return "true" if inner else "false"
    return str(inner)


def _json_attrs(kvs: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(kvs, list):
        return ()
    return tuple(
        (str(kv.get("key", "")), _json_value(kv.get("value"))[:MAX_ATTRIBUTE_CHARS])
        for kv in kvs
        if isinstance(kv, Mapping)
    )


def _json_status(status: object) -> tuple[str, str]:
    if not isinstance(status, Mapping):
        return "unset", ""
    code = status.get("code", 0)
    name = _STATUS_NAMES.get(code, "unset") if isinstance(code, str) else _STATUS.get(code, "unset")
    return name, str(status.get("message") or "")


def _int(value: object, what: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise SourceError(f"malformed OTLP JSON: {what} is not a number") from None


def parse_json(doc: object) -> list[Trace]:
    """OTLP JSON: `{"resourceSpans": [...]}`, Jaeger's `{"result": {...}}` stream envelope, or
    Tempo's `{"batches": [...]}`."""
    with gc_paused():
        return _parse_json(doc)


def _parse_json(doc: object) -> list[Trace]:
    if isinstance(doc, Mapping) and isinstance(doc.get("result"), Mapping):
        doc = doc["result"]
    if not isinstance(doc, Mapping):
        raise SourceError("malformed OTLP JSON: not an object")
    batches = doc.get("resourceSpans", doc.get("batches"))
    if batches is None:
        return []
    if not isinstance(batches, list):
        raise SourceError("malformed OTLP JSON: resourceSpans is not a list")
    spans: list[Span] = []
    for rs in batches:
        if not isinstance(rs, Mapping):
            raise SourceError("malformed OTLP JSON: a resourceSpans entry is not an object")
        resource = _json_attrs((rs.get("resource") or {}).get("attributes"))
        service = _service(resource)
        for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
            for s in (ss or {}).get("spans") or []:
                status, message = _json_status(s.get("status"))
                parent = s.get("parentSpanId") or None
                spans.append(
                    Span(
                        trace_id=decode_id(s.get("traceId"), 16, "traceId"),
                        span_id=decode_id(s.get("spanId"), 8, "spanId"),
                        parent_span_id=decode_id(parent, 8, "parentSpanId") if parent else None,
                        service=service,
                        name=str(s.get("name", "")),
                        start_ns=_int(s.get("startTimeUnixNano"), "startTimeUnixNano"),
                        end_ns=_int(s.get("endTimeUnixNano"), "endTimeUnixNano"),
                        status=status,
                        status_message=message,
                        attributes=_json_attrs(s.get("attributes")),
                        events=tuple(
                            SpanEvent(
                                str(e.get("name", "")),
                                _int(e.get("timeUnixNano"), "timeUnixNano"),
                                _json_attrs(e.get("attributes")),
                            )
                            for e in s.get("events") or []
                            if isinstance(e, Mapping)
                        ),
                        resource=resource,
                    )
                )
    return assemble(spans)
