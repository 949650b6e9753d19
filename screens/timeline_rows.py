"""The timeline as plain rows for the waterfall: spans in tree order, with the database's
state changes, log lines and pod events slotted in by time. Built once per arriving part (in
a worker thread), holding raw backend text: the waterfall cleans what it paints, so 20,000
rows cost no sanitising until they scroll into view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from oc_console.domain.orders import OrderTimeline, Span
from oc_console.services.screen_queries import critical_path, first_failing_span

KEY_ATTRIBUTES = ("http.status_code", "retry", "platform", "shop_id", "order.status")
SPAN, DB, LOG, EVENT = "span", "db", "log", "event"


@dataclass(frozen=True, slots=True)
class Marker:
    """What a database, log or pod-event row shows."""

    source: str  # "postgres", or the pod
    name: str
    status: str
    detail: str
    style: str
    pod: str | None = None
    namespace: str | None = None
    headline: str = ""  # the row's words where a span shows its name, duration and status


class TimelineRow:
    """One waterfall line. A span row holds only its span and place in the tree: what it
    shows is worked out when it is painted, so laying out 20,000 spans costs one small
    object each (a dataclass with every text field built took 60 us a span)."""

    __slots__ = ("critical", "depth", "end_ns", "kind", "marker", "span", "start_ns")

    def __init__(
        self,
        kind: str,
        start_ns: int,
        end_ns: int,
        *,
        span: Span | None = None,
        depth: int = 0,
        critical: bool = False,
        marker: Marker | None = None,
    ) -> None:
        self.kind = kind  # SPAN, DB, LOG or EVENT
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.span = span
        self.depth = depth
        self.critical = critical  # on the trace's critical path
        self.marker = marker

    @property
    def time(self) -> str:
        return _clock(self.start_ns)

    @property
    def service(self) -> str:
        return self.span.service if self.span else self.marker.source if self.marker else ""

    @property
    def name(self) -> str:
        if self.span is not None:
            return " " * min(self.depth, 20) + self.span.name
        return self.marker.name if self.marker else ""

    @property
    def what(self) -> str:
        """What happened, in the row's own words: a span's name (indented by its depth, a
        little), a marker's whole message; markers take the duration and status cells too."""
        if self.span is not None:
            return " " * min(self.depth, 4) + self.span.name
        return self.marker.headline or self.marker.name if self.marker else ""

    @property
    def why(self) -> str:
        """A span's outcome as the backend said it: the error's own text, not `error: …`;
        an answered call's HTTP status; else `ok`."""
        span = self.span
        if span is None:
            return ""
        if span.failed:
            return span.status_message or "error"
        return span.attribute("http.status_code") or span.status

    @property
    def duration(self) -> str:
        return _duration(self.span.duration_ms) if self.span else ""

    @property
    def status(self) -> str:
        span = self.span
        if span is None:
            return self.marker.status if self.marker else ""
        return span.status + (f": {span.status_message}" if span.status_message else "")

    @property
    def detail(self) -> str:
        """Key attributes of a span, or the marker's text."""
        if self.span is None:
            return self.marker.detail if self.marker else ""
        return " ".join(f"{k}={v}" for k, v in self.span.attributes if k in KEY_ATTRIBUTES)

    @property
    def attributes(self) -> str:
        """The attributes column: a span's key attributes, a database row's event id; a log
        line or pod event has said all in its headline."""
        if self.span is not None or self.kind == DB:
            return self.detail
        return ""

    @property
    def style(self) -> str:
        """ "error", "retry", "critical", "marker" or ""."""
        span = self.span
        if span is None:
            return self.marker.style if self.marker else ""
        if span.failed:
            return "error"
        if span.attribute("retry") not in (None, "0"):
            return "retry"
        return "critical" if self.critical else ""

    @property
    def pod(self) -> str | None:
        return self.span.pod if self.span else self.marker.pod if self.marker else None

    @property
    def namespace(self) -> str | None:
        if self.span is not None:
            return next((v for k, v in self.span.resource if k == "k8s.namespace.name"), None)
        return self.marker.namespace if self.marker else None

    @property
    def key(self) -> str:
        """The same row across the timeline's updates, wherever new parts put it."""
        if self.span is not None:
            return self.span.span_id
        return f"{self.kind}:{self.start_ns}:{self.service}:{self.detail[:60]}"


def _ns(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1e9) if at else None


def _clock(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%H:%M:%S.%f")[:-3]


def _duration(ms: float) -> str:
    if ms >= 1000:
        return f"{ms / 1000:.1f}s"
    return f"{ms:.0f}ms" if ms >= 1 else f"{ms:.2f}ms"


def _marker(
    ns: int,
    source: str,
    name: str,
    status: str,
    detail: str,
    style: str,
    kind: str,
    pod: str | None = None,
    namespace: str | None = None,
    *,
    headline: str = "",
) -> TimelineRow:
    marker = Marker(source, name, status, detail, style, pod, namespace, headline)
    return TimelineRow(kind, ns, ns, marker=marker)


def pod_suffix(pod: str) -> str:
    """`openclaw-adapter-amazon-7d9f8-x2k4q` -> `…x2k4q`: what tells a pod from its siblings."""
    head, _, tail = pod.rpartition("-")
    return f"…{tail}" if head and tail else pod


def _markers(t: OrderTimeline) -> list[TimelineRow]:
    rows = []
    for e in t.events:
        for at, what in ((e.created_at, "created"), (e.processed_at, "processed")):
            ns = _ns(at)
            if ns is None:
                continue
            state = e.status if what == "processed" or e.processed_at is None else "received"
            error = f" {e.last_error}" if e.last_error and state == "failed" else ""
            name = f"◆ {e.event_type} {what}"
            detail = f"{e.event_id} attempts={e.attempts}{error}"
            style = "error" if state == "failed" else "marker"
            headline = f"◆ {e.event_type} {state}"
            if state == "failed":
                headline += f" after {e.attempts} attempts" + (f": {e.last_error}" if error else "")
            row = _marker(ns, "postgres", name, state, detail, style, DB, headline=headline)
            rows.append(row)
    for line in t.logs:
        ns = _ns(line.at)
        if ns is not None:
            level = (line.level or "-").lower()
            style = "error" if level in ("error", "fatal") else "marker"
            style = "retry" if level in ("warn", "warning") else style
            name = f"▪ log {level}"
            # the message is the row; the level only when it says more than "info"
            word = f"{level} " if style != "marker" else ""
            rows.append(
                _marker(ns, line.pod, name, "", line.msg, style, LOG, line.pod, line.namespace,
                        headline=f"▪ {word}{line.msg}")
            )  # fmt: skip
    for ev in t.pod_events:
        ns = _ns(ev.at)
        if ns is not None:
            style = "error" if ev.type == "Warning" else "marker"
            name = f"▲ event {ev.reason}"
            # the pod's own suffix: three pods' identical events must read apart
            headline = f"▲ {ev.reason} {pod_suffix(ev.pod)}: {ev.message}"
            rows.append(
                _marker(ns, ev.pod, name, ev.type, ev.message, style, EVENT, ev.pod, ev.namespace,
                        headline=headline)
            )  # fmt: skip
    rows.sort(key=lambda r: r.start_ns)
    return rows


def timeline_rows(t: OrderTimeline) -> tuple[list[TimelineRow], int | None]:
    """The rows, and the index of the first failing span (where the cursor opens)."""
    markers = _markers(t)
    rows: list[TimelineRow] = []
    first_index: int | None = None
    m = 0
    for trace in t.traces:
        path = critical_path(trace)
        first = first_failing_span(trace)
        depths = trace.depths or (0,) * len(trace.spans)
        for span, depth in zip(trace.spans, depths, strict=False):
            while m < len(markers) and markers[m].start_ns <= span.start_ns:
                rows.append(markers[m])
                m += 1
            if span is first and first_index is None:
                first_index = len(rows)
            rows.append(
                TimelineRow(
                    SPAN,
                    span.start_ns,
                    span.end_ns,
                    span=span,
                    depth=depth,
                    critical=span.span_id in path,
                )
            )
    rows.extend(markers[m:])
    return rows, first_index
