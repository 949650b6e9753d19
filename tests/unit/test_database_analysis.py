from __future__ import annotations

import pytest

from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.domain.findings import Severity
from tests.unit.factories import blocked, pool, session


@pytest.mark.parametrize(
    ("sessions", "expected"),
    [(79, []), (80, [Severity.WARNING]), (94, [Severity.WARNING]), (95, [Severity.CRITICAL])],
)
def test_saturation_thresholds(sessions: int, expected: list[Severity]) -> None:
    snap = pool(sessions_by_state=(("active", sessions),))  # 100 usable
    assert [f.severity for f in pool_findings(snap)] == expected


def test_idle_in_transaction_threshold_is_strictly_above() -> None:
    iit = tuple(session(i, "openclaw-adapter-amazon") for i in range(3))
    snap = pool(idle_in_transaction_count=3, idle_in_transaction=iit)
    assert pool_findings(snap, PoolThresholds(idle_in_transaction_count=3)) == []
    [f] = pool_findings(snap, PoolThresholds(idle_in_transaction_count=2))
    assert f.id == "pool-idle-in-transaction" and f.severity == Severity.CRITICAL
    assert f.evidence[0] == "most from: openclaw-adapter-amazon 3"


def test_long_idle_names_the_oldest() -> None:
    iit = (session(7, "worker", xact_age_s=3700.0), session(8, "worker", xact_age_s=30.0))
    snap = pool(idle_in_transaction_count=2, idle_in_transaction=iit)
    [f] = pool_findings(snap, PoolThresholds(idle_in_transaction_minutes=5))
    assert f.summary == (
        "1 sessions have been idle in transaction for more than 5 min, "
        "the oldest for 1h01m (pid 7, worker)."
    )


def test_blocking_tree_depth_first_with_roots_first() -> None:
    root = session(1, "holder")
    w2 = session(2, "w2", state="active", state_age_s=120.0)
    w3 = session(3, "w3", state="active")
    w4 = session(4, "w4", state="active")
    snap = pool(blocked=(blocked(w2, 1), blocked(w3, 2), blocked(w4, 1)), blockers=(root, w2))
    assert [(d, s.pid) for d, s in snap.blocking_tree()] == [(0, 1), (1, 2), (2, 3), (1, 4)]
    [f] = pool_findings(snap)
    assert f.severity == Severity.CRITICAL  # someone has waited over a minute
    assert f.summary == (
        "3 sessions wait on locks held by pid 1 (holder, idle in transaction), a chain 3 deep; "
        "the longest has waited 2m."
    )


def test_blocking_cycle_still_renders() -> None:
    a, b = session(1, "a", state="active"), session(2, "b", state="active")
    snap = pool(blocked=(blocked(a, 2), blocked(b, 1)))
    assert [s.pid for _, s in snap.blocking_tree()] == [1, 2]
    assert "held by a cycle" in pool_findings(snap)[0].summary


def test_pool_findings_carry_the_runbooks_application_name() -> None:
    """The analysis names whose sessions hold the pool: the runbook takes it from the finding,
    not from the screen's copy of the sessions."""
    from oc_console.runbook.links import params_from
    from oc_console.runbook.loader import load_dir

    iit = (*(session(i, "openclaw-adapter-amazon") for i in range(3)), session(9, "worker"))
    snap = pool(idle_in_transaction_count=4, idle_in_transaction=iit)
    [f] = pool_findings(snap, PoolThresholds(idle_in_transaction_count=2))
    assert f.runbook_params == {"application_name": "openclaw-adapter-amazon"}
    book = load_dir()["pool-exhaustion"]
    assert params_from(f, book, None) == {"application_name": "openclaw-adapter-amazon"}
