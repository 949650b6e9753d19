"""`oc-console order`: the timeline as JSON, as a tree for a person, and the exit code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console as RichConsole
from rich.text import Text
from rich.tree import Tree

from oc_console.analysis.orders import critical_path, first_failing_span
from oc_console.domain.orders import OrderTimeline, Span, Trace
from oc_console.sanitize import clean

FOUND, NOT_FOUND, REJECTED, UNREADABLE = 0, 1, 2, 3
TREE_SPANS = 200  # a 20k-span trace is for the screen; the tree shows its first spans


def exit_code(timeline: OrderTimeline) -> int:
    """0 found, 1 no source knows it, 3 a configured source could not be read (so "not found"
    or a partial picture cannot be trusted); with no source configured at all, 3 too. With
    several targets, a database that did not answer makes "not found" untrusted as well."""
    parts = timeline.sources
    if any(p.configured and not p.ok for p in parts) or not any(p.configured for p in parts):
        return UNREADABLE
    if not timeline.found and any(p.knows is None for p in timeline.probes):
        return UNREADABLE
    return FOUND if timeline.found else NOT_FOUND


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def span_json(s: Span) -> dict[str, Any]:
    return {
        "span_id": s.span_id,
        "parent_span_id": s.parent_span_id,
        "service": s.service,
        "name": s.name,
        "start": s.start.isoformat(),
        "duration_ms": round(s.duration_ms, 3),
        "status": s.status,
        "attributes": dict(s.attributes),
    }


def timeline_json(t: OrderTimeline) -> dict[str, Any]:
    """The shape scripts rely on: these keys and no others (a span's events, status message
    and a partial trace's missing parents are on the screen and in the findings)."""
    o = t.order
    return {
        "order": None
        if o is None
        else {
            "order_id": o.order_id,
            "platform": o.platform,
            "shop_id": o.shop_id,
            "status": o.status,
            "updated_at": _iso(o.updated_at),
        },
        "events": [
            {
                "event_id": e.event_id,
                "order_id": e.order_id,
                "platform": e.platform,
                "event_type": e.event_type,
                "status": e.status,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "trace_id": e.trace_id,
                "created_at": _iso(e.created_at),
                "processed_at": _iso(e.processed_at),
            }
            for e in t.events
        ],
        "traces": [
            {"trace_id": tr.trace_id, "spans": [span_json(s) for s in tr.spans]} for tr in t.traces
        ],
        "logs": [
            {
                "ts": _iso(line.at),
                "namespace": line.namespace,
                "pod": line.pod,
                "container": line.container,
                "level": line.level,
                "msg": line.msg,
                "trace_id": line.trace_id,
            }
            for line in t.logs
        ],
        "pod_events": [
            {
                "ts": _iso(e.at),
                "namespace": e.namespace,
                "pod": e.pod,
                "type": e.type,
                "reason": e.reason,
                "message": e.message,
                "count": e.count,
            }
            for e in t.pod_events
        ],
        "sources": {p.name: p.to_json() for p in t.sources},
        "findings": list(t.findings),
    }


def fleet_timeline_json(t: OrderTimeline) -> dict[str, Any]:
    """With several targets: the timeline as for one, plus the target that answered and
    what each target asked said (`{"knows": true|false|null, "error"}`)."""
    return {
        "target": t.target,
        "targets_asked": {p.name: p.to_json() for p in t.probes},
        **timeline_json(t),
    }


def _line(*parts: tuple[str, str]) -> Text:
    """Backend text is cleaned and appended as plain Text: never parsed as markup."""
    text = Text()
    for value, style in parts:
        text.append(clean(value), style)
    return text


def _trace_tree(node: Tree, trace: Trace) -> None:
    branch = node.add(
        _line((f"trace {trace.trace_id}", "bold"), (f"  {len(trace.spans)} spans", "dim"))
    )
    if trace.missing_parents:
        branch.add(_line((f"partial: {len(trace.missing_parents)} parents missing", "yellow")))
    path = critical_path(trace)
    first = first_failing_span(trace)
    for s, depth in zip(trace.spans[:TREE_SPANS], trace.depths, strict=False):
        style = "red" if s.failed else ""
        marks = ("  << first failure" if s is first else "") + (" *" if s.span_id in path else "")
        keys = ("http.status_code", "retry", "platform", "shop_id")
        attrs = " ".join(f"{k}={v}" for k, v in s.attributes if k in keys)
        branch.add(
            _line(
                (f"{s.start.strftime('%H:%M:%S.%f')[:-3]} {'  ' * depth}", "dim"),
                (f"{s.service} ", "cyan"),
                (s.name, style),
                (f"  {s.duration_ms:.0f} ms {s.status}", style),
                (f"  {s.status_message}" if s.status_message else "", style),
                (f"  {attrs}" if attrs else "", "dim"),
                (marks, "bold yellow"),
            )
        )
    if len(trace.spans) > TREE_SPANS:
        branch.add(_line((f"... {len(trace.spans) - TREE_SPANS} more spans (--json)", "dim")))


def _asked_line(t: OrderTimeline) -> Text:
    """Which target answered, and what each target's database said."""
    said = [
        f"{p.name} " + ("knows it" if p.knows else "no" if p.knows is False else
                        f"did not answer: {p.error or 'failed'}")
        for p in t.probes
    ]  # fmt: skip
    known = any(p.knows for p in t.probes)
    head = (
        f"target {t.target}"
        if known or not t.probes
        else f"no target's database knows it; shown: {t.target}"
    )
    return _line((head, "bold"), (f"  (asked: {', '.join(said) or 'none'})", "dim"))


def print_timeline(t: OrderTimeline, out: RichConsole) -> None:
    root = Tree(_line((f"order {t.order_id}", "bold")))
    if t.probes or t.target is not None:
        root.add(_asked_line(t))
    if t.findings:
        node = root.add(Text("findings", "bold"))
        for f in t.findings:
            node.add(_line((f, "yellow")))
    o = t.order
    node = root.add(Text("database", "bold"))
    if o is not None:
        updated = _iso(o.updated_at)
        node.add(_line((f"{o.platform} {o.shop_id} status {o.status} updated {updated}", "")))
    for e in t.events:
        style = "red" if e.status == "failed" else ""
        node.add(
            _line(
                (f"{_iso(e.created_at)} {e.event_id} {e.event_type} {e.status} ", style),
                (f"attempts {e.attempts} {e.last_error or ''}", style),
            )
        )
    node = root.add(Text("traces", "bold"))
    for trace in t.traces:
        _trace_tree(node, trace)
    node = root.add(Text("logs", "bold"))
    for line in t.logs:
        style = "red" if (line.level or "") in ("error", "fatal") else ""
        node.add(
            _line(
                (f"{_iso(line.at)} {line.pod} ", "dim"), (f"{line.level or '-'} {line.msg}", style)
            )
        )
    node = root.add(Text("pod events", "bold"))
    for ev in t.pod_events:
        node.add(_line((f"{_iso(ev.at)} {ev.pod} {ev.type} {ev.reason}: {ev.message}", "")))
    node = root.add(Text("sources", "bold"))
    for p in t.sources:
        state = "ok" if p.ok else (p.error or "failed")
        node.add(
            _line(
                (f"{p.name}: ", ""),
                (state, "green" if p.ok else "red"),
                (f"  {p.elapsed_ms:.0f} ms", "dim"),
            )
        )
    out.print(root)
