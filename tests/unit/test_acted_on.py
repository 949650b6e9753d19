"""The Events an oc-console leaves on what it acted on become Changes, and "acted on by ..."."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from oc_console.analysis.changes import fleet_changes
from oc_console.domain.acted_on import acted_on
from oc_console.domain.changes import ACTION
from oc_console.domain.kube import EventRow, FleetSnapshot
from tests.unit.test_kube_analysis import fleet

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
NOTE = (
    "rollout restart deployment/openclaw-adapter-amazon by alice@bastion-1 "
    "(alice@openclaw.io) via runbook adapter-oomkilled: done, verified: rolled out"
)


def event(at: datetime, reason: str = "OcConsoleAction", message: str = NOTE) -> EventRow:
    return EventRow("openclaw", "openclaw-adapter-amazon.1", "Normal", reason, message,
                    "Deployment", "openclaw-adapter-amazon", 1, at, at, "oc-console")  # fmt: skip


def with_events(*rows: EventRow) -> FleetSnapshot:
    snap = fleet()
    return replace(snap, events=(*snap.events, *rows))


def test_an_action_event_is_a_change_on_its_deployment() -> None:
    snap = with_events(event(NOW - timedelta(minutes=4)), event(NOW, reason="Killing"))
    (change,) = [c for c in fleet_changes(snap) if c.kind == ACTION]
    assert change.subject == "openclaw/openclaw-adapter-amazon"
    assert change.summary == NOTE
    assert change.at == NOW - timedelta(minutes=4)


def test_acted_on_names_the_newest_actor_and_when() -> None:
    older = event(NOW - timedelta(hours=2), message=NOTE.replace("alice", "bob"))
    snap = with_events(older, event(NOW - timedelta(minutes=4)))
    assert acted_on(snap, "openclaw/openclaw-adapter-amazon", NOW) == "acted on by alice, 4m ago"
    assert acted_on(snap, "openclaw/openclaw-adapter-shopee", NOW) is None
