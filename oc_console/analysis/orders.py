"""What an order's timeline says: why it failed, where the time went, which span to look at
first; and the findings the recent failures raise on the Overview."""

from __future__ import annotations

from oc_console.analysis.order_claims import disagreement
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.orders import OrderTimeline, RecentFailures, Span, Trace

RUNBOOK = "order-sync-failed"
# An order that took longer than this end to end is slow even when it succeeded: the adapters'
# platform calls answer in well under a second, so seconds mean retries or a hung call.
SLOW_TRACE_SECONDS = 5.0
# A call that ran this long before failing was a timeout, whatever the error says.
TIMEOUT_HINT_SECONDS = 10.0


def first_failing_span(trace: Trace) -> Span | None:
    """The failing span that ended first: the first failure to happen. (A failed parent
    starts first but fails last, because its child failed.)"""
    return min((s for s in trace.spans if s.failed), key=lambda s: s.end_ns, default=None)


def critical_path(trace: Trace) -> frozenset[str]:
    """Span ids on the critical path: from the root that ends last, repeatedly the child
    that ends last, which is the chain that held the trace's end back."""
    children: dict[str | None, list[Span]] = {}
    ids = {s.span_id for s in trace.spans}
    for s in trace.spans:
        parent = s.parent_span_id if s.parent_span_id in ids else None
        children.setdefault(parent, []).append(s)
    path: set[str] = set()
    level = children.get(None, [])
    while level:
        last = max(level, key=lambda s: s.end_ns)
        path.add(last.span_id)
        level = children.get(last.span_id, [])
    return frozenset(path)


def _is_attempt(span: Span) -> bool:
    """A call to the platform's API: a client span with an HTTP status or a retry number.
    Not a root: the webhook that brought the order also carries a status and a platform."""
    return span.attribute("retry") is not None or (
        span.parent_span_id is not None
        and span.attribute("http.status_code") is not None
        and span.attribute("platform") is not None
    )


def _outcome(span: Span) -> str | None:
    """One failed attempt in words: "HTTP 429" or "a 30 s timeout"."""
    code = span.attribute("http.status_code") or span.attribute("http.response.status_code")
    refused = code is not None and not code.startswith(("1", "2", "3"))
    if not (span.failed or refused):
        return None  # slow but answered: that is the slow-trace finding's business
    text = f"{span.status_message} {span.attribute('error.type') or ''}".lower()
    seconds = span.duration_ms / 1000
    if "timeout" in text or "timed out" in text or (not code and seconds >= TIMEOUT_HINT_SECONDS):
        return f"a {seconds:.0f} s timeout"
    return f"HTTP {code}" if refused else "an error"


def _sequence(outcomes: list[str]) -> str:
    """["HTTP 429", "HTTP 429", "a 30 s timeout"] -> "HTTP 429 (twice), then a 30 s timeout"."""
    runs: list[tuple[str, int]] = []
    for o in outcomes:
        if runs and runs[-1][0] == o:
            runs[-1] = (o, runs[-1][1] + 1)
        else:
            runs.append((o, 1))
    times = {1: "", 2: " (twice)"}
    return ", then ".join(f"{o}{times.get(n, f' ({n} times)')}" for o, n in runs)


def timeline_findings(timeline: OrderTimeline) -> tuple[str, ...]:
    findings: list[str] = []
    platform = (timeline.order.platform if timeline.order else None) or next(
        (e.platform for e in timeline.events), None
    )
    failed_events = [e for e in timeline.events if e.status == "failed"]
    spans = sorted((s for t in timeline.traces for s in t.spans), key=lambda s: s.start_ns)
    attempts = [s for s in spans if _is_attempt(s)]
    outcomes = [o for o in (_outcome(s) for s in attempts) if o]
    if outcomes:
        where = platform or next((s.attribute("platform") for s in attempts), None)
        at = f" at {where}'s API" if where else ""
        # the trace's own count: the database's may differ, and the next line says so
        findings.append(f"failed after {len(attempts)} attempts: {_sequence(outcomes)}{at}")
    differ = disagreement(timeline, attempts)
    if differ:
        findings.append(differ)
    for e in failed_events:
        err = f": {e.last_error}" if e.last_error else ""
        findings.append(
            f"event {e.event_type} ({e.event_id}) failed after {e.attempts} attempts{err}"
        )
    if timeline.order and timeline.order.status not in ("synced", "processed"):
        findings.append(f"order status is {timeline.order.status}")
    for trace in timeline.traces:
        seconds = (trace.end_ns - trace.start_ns) / 1e9
        if seconds >= SLOW_TRACE_SECONDS and trace.spans:
            # a leaf's time is its own: a parent's only adds up its children's
            parents = {s.parent_span_id for s in trace.spans}
            leaves = [s for s in trace.spans if s.span_id not in parents] or list(trace.spans)
            slowest = max(leaves, key=lambda s: s.end_ns - s.start_ns)
            findings.append(
                f"trace {trace.trace_id[:8]} took {seconds:.1f} s; the longest step is "
                f"{slowest.service} {slowest.name} ({slowest.duration_ms / 1000:.1f} s)"
            )
        if trace.missing_parents:
            findings.append(
                f"trace {trace.trace_id[:8]} is partial: {len(trace.missing_parents)} parent "
                "span(s) missing"
            )
    errors = [line for line in timeline.logs if (line.level or "").lower() in ("error", "fatal")]
    if errors:
        findings.append(f"{len(errors)} error log line(s), the last: {errors[-1].msg}")
    for part in timeline.sources:
        if part.configured and not part.ok:
            findings.append(f"cannot see {part.name}: {part.error}")
    return tuple(findings)


# Failures at this rate or more are an incident now; fewer are a trickle to clean up.
BURST_PER_HOUR = 10


def recent_failure_findings(recent: RecentFailures) -> list[Finding]:
    """One warning per platform and error, naming its newest order so `enter` opens it."""
    findings = []
    for group in recent.groups:
        if not group.order_ids:
            continue
        newest = group.order_ids[0]
        plural = "order" if group.count == 1 else "orders"
        findings.append(
            Finding(
                id="order-sync-failed",
                severity=Severity.WARNING,
                # a group is named by its platform; a lone order by its id, so `enter` opens it
                subject=f"order/{newest}" if group.count == 1 else f"orders/{group.platform}",
                summary=f"{group.count} {group.platform} {plural} not synced in "
                f"{recent.hours:g} h: {group.error}",
                evidence=tuple(f"order {o}" for o in group.order_ids),
                runbook=RUNBOOK,
                touches=group.count,
                urgency=Urgency.NOW
                if group.count >= BURST_PER_HOUR * recent.hours
                else Urgency.LATER,  # a day's trickle: replay them, no clock is running
                target=Target.order(newest, group.platform) if group.count == 1 else None,
            )
        )
    return findings
