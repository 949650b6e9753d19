"""The incident as the console watched it: each snapshot the UI shows is compared with the one
before, so a finding that appeared or cleared and a page that fired or resolved become timeline
entries with the time they happened (a finding's own `since` when it knows it). The incident
starts with the first CRITICAL finding, or when the operator says so (`:incident start`).

What it saw is also appended to a journal beside the audit log (`incident.jsonl`, 0600 like
it), so `oc-console handoff` run later, in another process, tells the same story: a finding the
restart cleared is still in the timeline with when it appeared and when it cleared. Notes,
actions and order lookups are not kept here: they are audit records (shared when configured).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from oc_console.domain.alerts import AlertMatch
from oc_console.domain.findings import Finding, Severity, rule_word
from oc_console.domain.incident import IncidentEntry, IncidentStart
from oc_console.domain.orders import OrderTimeline
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.audit import encode

MAX_ENTRIES = 5_000  # a long night with a flapping finding stays bounded
PAGE_LABELS = ("namespace", "deployment", "pod", "platform", "certificate")


def _finding(f: Finding) -> str:
    """'critical OOMKilled: openclaw/openclaw-adapter-amazon: 3 of 3 ...': the rule's word
    too, since a summary need not say it."""
    return f"{f.severity.label} {rule_word(f.id)}: {f.subject}: {f.summary}"


def _page(m: AlertMatch) -> str:
    labels = dict(m.alert.labels)
    named = ", ".join(f"{k}={labels[k]}" for k in PAGE_LABELS if labels.get(k))
    return f"page {m.alert.alertname}" + (f" ({named})" if named else "")


class IncidentTracker:
    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.start: IncidentStart | None = None
        self.entries: deque[IncidentEntry] = deque(maxlen=limit)
        self._open: dict[tuple[str, str], Finding] = {}
        self._pages: dict[str, AlertMatch] = {}

    def begin(self, at: datetime, why: str, *, entry: bool = True) -> bool:
        """Start the incident; False when it had already started. `entry`: a timeline entry
        of its own (an `:incident start` has its audit record instead)."""
        if self.start is not None:
            return False
        self.start = IncidentStart(at, why)
        if entry:
            self.entries.append(IncidentEntry(at, "incident", f"incident started: {why}"))
        return True

    def observe(self, snap: ConsoleSnapshot) -> list[IncidentEntry]:
        """What changed since the last snapshot, as new entries (also kept here)."""
        before = len(self.entries)
        self._observe(snap)
        return list(self.entries)[before:] if len(self.entries) > before else []

    def _observe(self, snap: ConsoleSnapshot) -> None:
        now = snap.generated_at
        current = {(f.id, f.subject): f for f in snap.findings if f.severity > Severity.OK}
        for key, f in current.items():
            if key not in self._open:
                self.entries.append(IncidentEntry(f.since or now, "finding", _finding(f)))
        for key, f in self._open.items():
            if key not in current:
                self.entries.append(IncidentEntry(now, "finding", f"cleared: {_finding(f)}"))
        self._open = current
        firing = {m.alert.fingerprint: m for m in snap.pages if m.alert.firing}
        for fp, m in firing.items():
            if fp not in self._pages:
                self.entries.append(IncidentEntry(m.alert.starts_at, "page", f"{_page(m)} fired"))
        for fp, m in self._pages.items():
            if fp not in firing:
                self.entries.append(IncidentEntry(now, "page", f"{_page(m)} resolved"))
        self._pages = firing
        critical = [f for f in current.values() if f.severity == Severity.CRITICAL]
        if self.start is None and critical:
            first = min(critical, key=lambda f: f.since or now)
            self.begin(first.since or now, f"the first CRITICAL finding: {_finding(first)}")


def journal_path(audit_path: Path) -> Path:
    return audit_path.with_name("incident.jsonl")


def save(path: Path, entries: Iterable[IncidentEntry]) -> None:
    """Append entries (blocking: callers run it in a thread). 0600 in the audit's 0700 folder.
    Best effort: the journal only retells what the console showed, so a full disk loses a
    line of it, never the console."""
    lines = b"".join(encode({"at": e.at.isoformat(), "kind": e.kind, "text": e.text})
                     for e in entries)  # fmt: skip
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return
    try:
        os.write(fd, lines)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: Path, now: datetime, since: timedelta) -> list[IncidentEntry]:
    """The journal's entries of the window, each once (two consoles of one user share it)."""
    cutoff, seen, out = now - since, set(), []
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    for line in raw.splitlines():
        try:
            d = orjson.loads(line)
            entry = IncidentEntry(datetime.fromisoformat(d["at"]), str(d["kind"]), str(d["text"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # a torn last line
        key = (entry.at.replace(second=0, microsecond=0), entry.kind, entry.text)
        if entry.at >= cutoff and key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def lookup_summary(timeline: OrderTimeline) -> tuple[str, str]:
    """(the order's state, the one line that says why it failed) after a lookup."""
    failed = [e for e in timeline.events if e.last_error]
    failed.sort(key=lambda e: e.created_at.timestamp() if e.created_at else 0.0)
    reason = failed[-1].last_error or "" if failed else ""
    if timeline.order is not None:
        return timeline.order.status, reason
    if timeline.events:
        return timeline.events[-1].status, reason
    if not timeline.found:
        unread = [s.name for s in timeline.sources if not s.ok]
        return ("not found" if not unread else f"not found ({', '.join(unread)} unread)"), reason
    return "seen in traces or logs only", reason
