"""The incident as the console watches it: findings that appear and clear, pages that fire and
resolve, the start with the first CRITICAL finding, the journal beside the audit log; the
header's count of others' actions; an order lookup's state and reason; the hand-off's timeline
built from them, notes and lookups in time order and out of "What was done"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from oc_console.domain.alerts import Alert, AlertMatch
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.incident import IncidentEntry
from oc_console.domain.orders import OrderEvent, OrderRecord, OrderTimeline, PartStatus
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.handoff import build, markdown
from oc_console.runbook.identity import Operator
from oc_console.runbook.incident import lookup_record, note_record
from oc_console.services.incident import IncidentTracker, journal_path, load, lookup_summary, save
from oc_console.services.team import team_activity

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
OOM = Finding("adapter-oomkilled", Severity.CRITICAL, "openclaw/openclaw-adapter-amazon",
              "3 of 3 pods killed at their memory limit (512Mi)", since=T0)  # fmt: skip
SLOW = Finding("queue-backlog", Severity.WARNING, "openclaw/openclaw-adapter-shopee", "backlog")
ALICE = Operator("alice", "bastion-1", "alice@openclaw.io")


def snap(at: datetime, *findings: Finding, pages: tuple[AlertMatch, ...] = ()) -> ConsoleSnapshot:
    return ConsoleSnapshot(at, "prod", ("openclaw",), False, (), None, findings, pages=pages)


def page(at: datetime) -> AlertMatch:
    labels = (("alertname", "AdapterOOMKilled"), ("deployment", "openclaw-adapter-amazon"))
    return AlertMatch(Alert("fp1", labels, "active", at), None)


def test_findings_and_pages_appear_and_clear_and_the_first_critical_starts_it() -> None:
    t = IncidentTracker()
    assert [e.text for e in t.observe(snap(T0 + timedelta(minutes=1), SLOW))] == [
        "warning backlog: openclaw/openclaw-adapter-shopee: backlog"
    ]
    assert t.start is None  # a warning starts nothing
    later = T0 + timedelta(minutes=2)
    fresh = t.observe(snap(later, SLOW, OOM, pages=(page(T0),)))
    assert [(e.at, e.kind) for e in fresh] == [(T0, "finding"), (T0, "page"), (T0, "incident")]
    assert "critical OOMKilled: openclaw/openclaw-adapter-amazon:" in fresh[0].text
    assert t.start is not None and t.start.at == T0 and "512Mi" in t.start.why
    assert t.observe(snap(later, SLOW, OOM, pages=(page(T0),))) == []  # nothing new
    gone = T0 + timedelta(minutes=9)
    cleared = t.observe(snap(gone, SLOW))
    resolved = "page AdapterOOMKilled (deployment=openclaw-adapter-amazon) resolved"
    assert [(e.at, e.text.split(":")[0]) for e in cleared] == [(gone, "cleared"), (gone, resolved)]
    assert t.begin(gone, "by hand") is False and t.start.at == T0  # it had started


def test_the_journal_is_kept_beside_the_audit_and_read_back_once(tmp_path: Path) -> None:
    path = journal_path(tmp_path / "oc-console" / "audit.jsonl")
    entries = [IncidentEntry(T0, "finding", "critical OOMKilled: x \x1b[31m"),
               IncidentEntry(T0 + timedelta(hours=3), "page", "page P fired")]  # fmt: skip
    save(path, entries)
    save(path, entries[1:])  # a second console of the same user saw it too
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    got = load(path, T0 + timedelta(hours=4), timedelta(hours=2))
    assert got == entries[1:]  # the window, each once
    assert load(path, T0 + timedelta(hours=4), timedelta(hours=6)) == entries


def test_others_actions_are_counted_not_mine_not_notes() -> None:
    def r(user: str, host: str, phase: str, ident: str) -> dict[str, object]:
        return {"user": user, "host": host, "phase": phase, "id": ident}

    records = [r("alice", "a", "end", "1"), r("alice", "a", "start", "1"),
               r("bob", "b", "start", "2"), r("me", "vm", "start", "3"),
               r("carol", "c", "note", "4")]  # fmt: skip
    activity = team_activity(records, ("me", "vm"), 3600)
    assert (activity.by_others, activity.people) == (2, ("alice", "bob"))
    assert activity.header() == "2 actions by others in the last hour"
    assert team_activity([], ("me", "vm"), 3600).header() == "0 actions by others in the last hour"


def test_a_lookup_says_the_orders_state_and_why_it_failed() -> None:
    def event(at: int, error: str | None) -> OrderEvent:
        return OrderEvent(f"e{at}", "o1", "amazon", "order.created", "failed", 3, error, None,
                          T0 + timedelta(minutes=at), None)  # fmt: skip

    events = (event(2, "429 Too Many Requests"), event(1, "timeout"))
    found = OrderTimeline(
        "o1", order=OrderRecord("o1", "amazon", "s1", "failed", T0), events=events
    )
    assert lookup_summary(found) == ("failed", "429 Too Many Requests")
    unread = OrderTimeline("o2", sources=(PartStatus("database", False, "refused", 1.0),))
    assert lookup_summary(unread) == ("not found (database unread)", "")


def test_the_handoff_timeline_tells_notes_lookups_and_the_journal_in_time_order() -> None:
    note = {**note_record(ALICE, "prod", "raised\nthe limit, token=abc123"),
            "at": (T0 + timedelta(minutes=5)).isoformat()}  # fmt: skip
    lookup = {**lookup_record(ALICE, "prod", "114-1", "failed", "429 Too Many Requests"),
              "at": (T0 + timedelta(minutes=3)).isoformat()}  # fmt: skip
    journal = [IncidentEntry(T0, "finding", "critical OOMKilled: amazon: limit (512Mi)"),
               IncidentEntry(T0 + timedelta(minutes=9), "finding", "cleared: amazon")]  # fmt: skip
    now = snap(T0 + timedelta(minutes=10))
    h = build(now, [lookup, note], timedelta(hours=1), journal=journal)
    who = "alice@bastion-1 (alice@openclaw.io)"
    assert [what for _, what in h.timeline] == [
        "critical OOMKilled: amazon: limit (512Mi)",
        f"order 114-1 looked up by {who}: failed: 429 Too Many Requests",
        f"note by {who}: raised the limit, token=***",
        "cleared: amazon",
    ]  # fmt: skip
    assert h.done == []  # a note and a lookup are not actions
    assert h.orders[0] == {"order_id": "114-1", "state": "failed",
                           "reason": "429 Too Many Requests"}  # fmt: skip
    assert "abc123" not in markdown(h)
