"""What an order's timeline says, the ID check, and `order`'s exit codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oc_console.analysis.orders import (
    critical_path,
    first_failing_span,
    recent_failure_findings,
    timeline_findings,
)
from oc_console.cli.order_report import exit_code
from oc_console.domain.orders import (
    FailureGroup,
    OrderEvent,
    OrderRecord,
    OrderTimeline,
    PartStatus,
    RecentFailures,
    Span,
    validate_order_id,
)
from oc_console.errors import UserError
from oc_console.sources.traces.otlp import assemble

S = 1_000_000_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def span(
    sid: str,
    parent: str | None,
    start: float,
    end: float,
    *,
    status: str = "ok",
    message: str = "",
    **attrs: str,
) -> Span:
    return Span(
        trace_id="ab" * 16,
        span_id=sid * 16,
        parent_span_id=parent * 16 if parent else None,
        service="oc-adapter-amazon",
        name=f"span {sid}",
        start_ns=int(start * S),
        end_ns=int(end * S),
        status=status,
        status_message=message,
        attributes=tuple(attrs.items()),
    )


def failed_order_trace() -> list[Span]:
    return [
        span("1", None, 0, 40),
        span("2", "1", 0.4, 39, status="error", message="order sync_failed"),
        span(
            "3",
            "2",
            0.4,
            1.1,
            status="error",
            retry="0",
            platform="amazon",
            **{"http.status_code": "429"},
        ),
        span(
            "4",
            "2",
            3.2,
            3.9,
            status="error",
            retry="1",
            platform="amazon",
            **{"http.status_code": "429"},
        ),
        span(
            "5",
            "2",
            8,
            38,
            status="error",
            message="timeout: no response in 30 s",
            retry="2",
            platform="amazon",
        ),
        span("6", "2", 38.1, 38.2, status="error", **{"order.status": "sync_failed"}),
    ]


def event(status: str, attempts: int, error: str | None) -> OrderEvent:
    return OrderEvent("evt_1", "A-1", "amazon", "order.updated", status, attempts, error,
                      "ab" * 16, T0, None)  # fmt: skip


def test_the_failure_reads_as_its_attempts_in_order() -> None:
    [trace] = assemble(failed_order_trace())
    timeline = OrderTimeline(
        "A-1",
        order=OrderRecord("A-1", "amazon", "shop_1", "failed", T0),
        events=(event("failed", 5, "platform API returned 429"),),
        traces=(trace,),
    )
    findings = timeline_findings(timeline)
    # the trace's own count; the database's 5 is its own claim, on the next line
    assert findings[0] == (
        "failed after 3 attempts: HTTP 429 (twice), then a 30 s timeout at amazon's API"
    )
    assert findings[1] == (
        "sources disagree: database 5 attempts, order failed · trace 3 attempts, failed"
    )
    assert any("evt_1" in f and "429" in f for f in findings)
    assert "order status is failed" in findings


def test_first_failing_span_is_the_first_failure_to_happen_not_its_parent() -> None:
    [trace] = assemble(failed_order_trace())
    first = first_failing_span(trace)
    assert first is not None and first.span_id == "3" * 16
    assert trace.depths == (0, 1, 2, 2, 2, 2)


def test_critical_path_follows_the_child_that_ends_last() -> None:
    [trace] = assemble(failed_order_trace())
    assert critical_path(trace) == {"1" * 16, "2" * 16, "6" * 16}


def test_a_slow_order_names_its_slowest_step_and_is_not_called_a_failure() -> None:
    spans = [
        span("1", None, 0, 13),
        span("2", "1", 0.4, 12.8),
        span("3", "2", 0.5, 12.6, platform="tiktok", retry="0", **{"http.status_code": "200"}),
    ]
    findings = timeline_findings(OrderTimeline("A-2", traces=tuple(assemble(spans))))
    assert len(findings) == 1
    assert "took 13.0 s" in findings[0] and "span 3 (12.1 s)" in findings[0]


def test_a_source_that_failed_is_said_to_be_unseen() -> None:
    part = PartStatus("traces", False, "no answer within 10 s", 10_000.0)
    assert timeline_findings(OrderTimeline("A-3", sources=(part,))) == (
        "cannot see traces: no answer within 10 s",
    )


def test_recent_failures_become_one_finding_per_group_named_by_its_platform() -> None:
    recent = RecentFailures(
        24,
        (
            FailureGroup("amazon", "HTTP 429", 3, T0, ("A-9", "A-8", "A-7")),
            FailureGroup("lazada", "HTTP 500", 1, T0, ("L-1",)),
        ),
    )
    group, lone = recent_failure_findings(recent)
    # a group is about its platform, not about one of its orders; a lone order is that order
    assert group.subject == "orders/amazon" and group.runbook == "order-sync-failed"
    assert group.summary == "3 amazon orders not synced in 24 h: HTTP 429"
    assert group.touches == 3
    assert lone.subject == "order/L-1"


@pytest.mark.parametrize(
    ("parts", "found", "code"),
    [
        ((PartStatus("postgres", True, None, 1),), True, 0),
        ((PartStatus("postgres", True, None, 1),), False, 1),
        ((PartStatus("postgres", True, None, 1), PartStatus("traces", False, "x", 1)), True, 3),
        ((PartStatus("postgres", True, None, 1), PartStatus("traces", False, "x", 1)), False, 3),
        ((PartStatus("traces", False, "not configured", 0, configured=False),), False, 3),
        (
            (
                PartStatus("postgres", True, None, 1),
                PartStatus("traces", False, "not configured", 0, configured=False),
            ),
            False,
            1,
        ),
    ],
)
def test_exit_codes(parts: tuple[PartStatus, ...], found: bool, code: int) -> None:
    order = OrderRecord("A-1", "amazon", "s", "synced", T0) if found else None
    assert exit_code(OrderTimeline("A-1", order=order, sources=parts)) == code


@pytest.mark.parametrize("good", ["114-3941689-8772232", "a", "A.b_c:d-9", "x" * 64])
def test_ids_the_default_pattern_accepts(good: str) -> None:
    assert validate_order_id(good) == good


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("", "empty"),
        ("x" * 65, "65 characters"),
        ("1' OR '1'='1", "pattern"),
        ('{ span.order_id = "x" }', "pattern"),
        ("114\n", "pattern"),
        ("\uff4f\uff52\uff44\uff45\uff52", "pattern"),  # fullwidth letters
    ],
)
def test_ids_the_default_pattern_refuses_in_one_line(bad: str, why: str) -> None:
    with pytest.raises(UserError, match=why) as err:
        validate_order_id(bad)
    assert "\n" not in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.text(alphabet="'\"{}[]()\\=~!|&;$`%*", max_size=50))
def test_any_text_is_accepted_or_refused_never_crashes(text: str) -> None:
    try:
        assert validate_order_id(text) == text
    except UserError as exc:
        assert "\n" not in str(exc)


def test_a_configured_pattern_and_length_apply() -> None:
    assert validate_order_id("ord/1", r"[a-z/0-9]+", 5) == "ord/1"
    with pytest.raises(UserError):
        validate_order_id("ord/12", r"[a-z/0-9]+", 5)
