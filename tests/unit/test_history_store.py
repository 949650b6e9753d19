"""The history store holds a shift: bounded in points, compact (arrays of doubles), and
recording a point costs the same however much it holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oc_console.domain.findings import Finding, Severity
from oc_console.services.history import POINT_SECONDS, HistoryStore, SeenFindings, Series

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_a_series_keeps_the_newest_points_up_to_its_bound_oldest_first() -> None:
    series = Series(capacity=5)
    for i in range(12):
        series.record(i * POINT_SECONDS, float(i))
    assert len(series) == 5
    assert series.points() == tuple((i * POINT_SECONDS, float(i)) for i in range(7, 12))


def test_a_point_in_the_same_bucket_replaces_the_last_one() -> None:
    series = Series(capacity=5)
    series.record(60.0, 0.1)
    series.record(61.0, 0.2)  # the same 30 s bucket: the latest read wins
    series.record(90.0, 0.3)
    assert series.points() == ((61.0, 0.2), (90.0, 0.3))


def test_a_full_series_grows_no_further_in_bytes() -> None:
    store = HistoryStore()
    store.series("pool", capacity=100)
    start = store.nbytes
    for i in range(10_000):
        store.record("pool", i * POINT_SECONDS, 0.5)
    assert store.nbytes == start == 100 * 2 * 8  # two doubles a point, allocated once
    assert len(store.points("pool")) == 100 and store.points("other") == ()


def test_a_series_refuses_no_room() -> None:
    with pytest.raises(ValueError):
        Series(capacity=0)


def finding(i: int) -> Finding:
    return Finding(f"rule-{i}", Severity.WARNING, f"subject-{i}", "summary")


def test_seen_findings_are_bounded_by_count_and_by_window() -> None:
    memory = SeenFindings(window=timedelta(minutes=15), limit=50)
    for i in range(500):
        memory.remember([finding(i)], NOW)
    assert len(memory) == 50  # the oldest seen make room
    memory.remember([finding(1000)], NOW + timedelta(minutes=16))
    assert len(memory) == 1  # everything else left the window


def test_a_finding_that_cleared_within_the_window_is_reported_and_reading_keeps_it() -> None:
    memory = SeenFindings(window=timedelta(minutes=15))
    memory.remember([finding(1), finding(2)], NOW)
    memory.remember([finding(2)], NOW + timedelta(seconds=30))
    later = NOW + timedelta(minutes=1)
    assert memory.cleared([finding(2)], later) == [(finding(1), NOW)]
    assert memory.cleared([finding(2)], later) == [(finding(1), NOW)]  # reading changes nothing
    assert memory.cleared([finding(2)], NOW + timedelta(minutes=16)) == []
