"""An order's timeline: its database rows, the trace spans that carried it, the log lines that
mention it and the events of the pods that handled it, on one time axis."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from oc_console.errors import UserError

ORDER_ID_PATTERN = r"[A-Za-z0-9._:-]{1,64}"
ORDER_ID_MAX_LENGTH = 64


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def validate_order_id(
    text: str, pattern: str = ORDER_ID_PATTERN, max_length: int = ORDER_ID_MAX_LENGTH
) -> str:
    """The ID when it is acceptable; otherwise a UserError in one line. The ID is still only
    ever sent as a bound parameter or an escaped literal: this check is for the person, so a
    typo is caught before three backends are asked about it."""
    if not text:
        raise UserError("order ID is empty")
    if len(text) > max_length:
        raise UserError(f"order ID is {len(text)} characters long; at most {max_length} allowed")
    if _compiled(pattern).fullmatch(text) is None:
        raise UserError(f"order ID does not match the allowed pattern {pattern}")
    return text


def ns_to_datetime(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    order_id: str
    platform: str
    shop_id: str
    status: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderEvent:
    event_id: str
    order_id: str
    platform: str
    event_type: str
    status: str
    attempts: int
    last_error: str | None
    trace_id: str | None
    created_at: datetime | None
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """One span; times in Unix nanoseconds (a 20k-span trace holds ints, not datetimes)."""

    trace_id: str  # 32 lowercase hex digits
    span_id: str  # 16 lowercase hex digits
    parent_span_id: str | None
    service: str
    name: str
    start_ns: int
    end_ns: int
    status: str  # "ok", "error" or "unset"
    status_message: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    events: tuple[SpanEvent, ...] = ()
    resource: tuple[tuple[str, str], ...] = ()  # shared by the spans of one process

    @property
    def pod(self) -> str | None:
        return next((v for k, v in self.resource if k == "k8s.pod.name"), None)

    @property
    def duration_ms(self) -> float:
        return max(0, self.end_ns - self.start_ns) / 1e6

    @property
    def start(self) -> datetime:
        return ns_to_datetime(self.start_ns)

    def attribute(self, key: str) -> str | None:
        for k, v in self.attributes:
            if k == key:
                return v
        return None

    @property
    def failed(self) -> bool:
        return self.status == "error"


@dataclass(frozen=True)
class Trace:
    trace_id: str
    spans: tuple[Span, ...]  # depth first, siblings by start time: a waterfall's order
    # parents that spans name but the trace does not hold (a partial trace)
    missing_parents: tuple[str, ...] = ()
    depths: tuple[int, ...] = ()  # each span's depth in the tree, parallel to `spans`

    @property
    def start_ns(self) -> int:
        return min((s.start_ns for s in self.spans), default=0)

    @property
    def end_ns(self) -> int:
        return max((s.end_ns for s in self.spans), default=0)


@dataclass(frozen=True, slots=True)
class OrderLogLine:
    at: datetime | None
    namespace: str
    pod: str
    container: str
    level: str | None
    msg: str
    trace_id: str | None


@dataclass(frozen=True, slots=True)
class PodEventMarker:
    at: datetime | None
    namespace: str
    pod: str
    type: str
    reason: str
    message: str
    count: int


@dataclass(frozen=True, slots=True)
class PartStatus:
    """How one source answered the lookup: read, not configured, failed or timed out."""

    name: str
    ok: bool
    error: str | None
    elapsed_ms: float
    configured: bool = True

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "error": self.error, "elapsed_ms": round(self.elapsed_ms, 1)}


@dataclass(frozen=True, slots=True)
class TargetProbe:
    """One target's answer to "does your orders database know this order?", asked of every
    target of a fleet before the lookup runs on the one that knows it. `knows` is None when
    the target gave no answer: its database failed (`error`), or the answer came from a
    target ahead of it and it was no longer waited for."""

    name: str
    knows: bool | None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"knows": self.knows, "error": self.error}


@dataclass(frozen=True)
class LookupWindow:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class OrderTimeline:
    """What the lookup knows so far; parts arrive one by one, so every part may be empty."""

    order_id: str
    window: LookupWindow | None = None
    order: OrderRecord | None = None
    events: tuple[OrderEvent, ...] = ()
    traces: tuple[Trace, ...] = ()
    logs: tuple[OrderLogLine, ...] = ()
    pod_events: tuple[PodEventMarker, ...] = ()
    sources: tuple[PartStatus, ...] = ()
    findings: tuple[str, ...] = ()
    done: bool = False
    # With several targets: the one whose sources built this timeline, and every target's
    # answer when asked whether its database knows the order (empty with one target).
    target: str | None = None
    probes: tuple[TargetProbe, ...] = ()

    def part(self, name: str) -> PartStatus | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def found(self) -> bool:
        return bool(self.order or self.events or self.traces or self.logs)

    @property
    def spans(self) -> list[Span]:
        return [s for t in self.traces for s in t.spans]


@dataclass(frozen=True, slots=True)
class FailureGroup:
    """Orders that failed, or sat unprocessed too long, with one platform and one error."""

    platform: str
    error: str
    count: int
    newest: datetime | None
    order_ids: tuple[str, ...]  # newest first, at most a few


@dataclass(frozen=True)
class RecentFailures:
    hours: float
    groups: tuple[FailureGroup, ...]
