"""When the database, the trace and the log tell an order's end differently, one line says
what each of them claims; when they agree, nothing is added."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_console.analysis.order_claims import disagreement
from oc_console.analysis.orders import timeline_findings
from oc_console.domain.orders import OrderLogLine, OrderRecord, OrderTimeline
from oc_console.sources.traces.otlp import assemble
from tests.unit.test_order_analysis import event, failed_order_trace

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def log(msg: str) -> OrderLogLine:
    return OrderLogLine(T0, "openclaw", "openclaw-adapter-amazon-0", "adapter", "error", msg, None)


def timeline(status: str, attempts: int, *logs: OrderLogLine) -> OrderTimeline:
    [trace] = assemble(failed_order_trace())
    return OrderTimeline(
        "A-1",
        order=OrderRecord("A-1", "amazon", "shop_1", status, T0),
        events=(event("failed", attempts, "platform API returned 429"),),
        traces=(trace,),
        logs=logs,
    )


def test_each_source_is_quoted_when_they_disagree() -> None:
    t = timeline(
        "retrying",
        5,
        log("order sync failed after 3 attempts: 429 Too Many Requests; event parked, retry in 5m"),
    )
    assert disagreement(t, [s for s in t.spans if s.attribute("retry")]) == (
        "sources disagree: database 5 attempts, order retrying · trace 3 attempts, failed · "
        'log "order sync failed after 3 attempts: 429 Too Many Requests"'
    )


def test_a_status_alone_can_disagree() -> None:
    # every count is 3, but the order row says it is being retried while the trace failed
    line = timeline_findings(timeline("retrying", 3))[1]
    assert (
        line == "sources disagree: database 3 attempts, order retrying · trace 3 attempts, failed"
    )


def test_sources_that_agree_add_nothing() -> None:
    t = timeline("sync_failed", 3, log("order sync failed after 3 attempts: 429"))
    assert not any(f.startswith("sources disagree") for f in timeline_findings(t))
