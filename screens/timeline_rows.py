"""The timeline as plain rows for the waterfall: spans in tree order, with the database's
state changes, log lines and pod events slotted in by time. Built once per arriving part (in
a worker thread), holding raw backend text: the waterfall cleans what it paints, so 20,000
rows cost no sanitising until they scroll into view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oc_console.analysis.orders import critical_path, first_failing_span
from oc_console.domain.orders import OrderTimeline, Span

KEY_ATTRIBUTES = ("http.status_code", "retry", "platform", "shop_id", "order.status")
SPAN, DB, LOG, EVENT = "span", "db", "log", "event"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    kind: str  # SPAN, DB, LOG or EVENT
    start_ns: int
    end_ns: int
    service: str  # the span's service, or the marker's source ("postgres", the pod)
    name: str  # indented by depth for spans
    duration: str
    status: str
    detail: str  # key attributes, or the marker's text
    style: str  # "error", "retry", "critical", "marker" or ""
    critical: bool = False
    span: Span | None = None
    pod: str | None = None
    namespace: str | None = None

    @property
    def time(self) -> str:
        return _clock(self.start_ns)

    @property
    def key(self) -> str:
        """The same row across the timeline's updates, wherever new parts put it."""
        if self.span is not None:
            return self.span.span_id
        return f"{self.kind}:{self.start_ns}:{self.service}:{self.detail[:60]}"


def _ns(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1e9) if at else None


def _clock(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9).strftime("%H:%M:%S.%f")[:-3]


def _duration(ms: float) -> str:
    if ms >= 1000:
        return f"{ms / 1000:.1f}s"
    return f"{ms:.0f}ms" if ms >= 1 else f"{ms:.2f}ms"


def _span_row(span: Span, depth: int, critical: bool) -> TimelineRow:
    keys = " ".join(f"{k}={v}" for k, v in span.attributes if k in KEY_ATTRIBUTES)
    retry = span.attribute("retry")
    style = "error" if span.failed else "retry" if retry not in (None, "0") else ""
    status = span.status + (f": {span.status_message}" if span.status_message else "")
    return TimelineRow(
        kind=SPAN,
        start_ns=span.start_ns,
        end_ns=span.end_ns,
        service=span.service,
        name=" " * min(depth, 20) + span.name,
        duration=_duration(span.duration_ms),
        status=status,
        detail=keys,
        style=style or ("critical" if critical else ""),
        critical=critical,
        span=span,
        pod=span.pod,
        namespace=next((v for k, v in span.resource if k == "k8s.namespace.name"), None),
    )


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
) -> TimelineRow:
    return TimelineRow(
        kind=kind,
        start_ns=ns,
        end_ns=ns,
        service=source,
        name=name,
        duration="",
        status=status,
        detail=detail,
        style=style,
        pod=pod,
        namespace=namespace,
    )


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
            rows.append(_marker(ns, "postgres", name, state, detail, style, DB))
    for line in t.logs:
        ns = _ns(line.at)
        if ns is not None:
            level = (line.level or "-").lower()
            style = "error" if level in ("error", "fatal") else "marker"
            style = "retry" if level in ("warn", "warning") else style
            name = f"▪ log {level}"
            rows.append(
                _marker(ns, line.pod, name, "", line.msg, style, LOG, line.pod, line.namespace)
            )
    for ev in t.pod_events:
        ns = _ns(ev.at)
        if ns is not None:
            style = "error" if ev.type == "Warning" else "marker"
            name = f"▲ event {ev.reason}"
            rows.append(
                _marker(ns, ev.pod, name, ev.type, ev.message, style, EVENT, ev.pod, ev.namespace)
            )
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
            rows.append(_span_row(span, depth, span.span_id in path))
    rows.extend(markers[m:])
    return rows, first_index
