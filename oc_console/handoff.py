"""The hand-off that writes itself (`oc-console handoff`): what is wrong now, what was done, in
what order things happened, which orders were looked at and what is still open, as Markdown
that pastes cleanly into Slack, Jira or a post-mortem, or as the same content as data.

Built from one snapshot (findings, pages, changes, sources, failed orders) and the audit records
of the window (the shared table's when there is one, else this machine's file): actions, notes,
an incident started by hand, orders looked up. The console's own journal (findings that
appeared or cleared, pages that fired or resolved, as it watched) replaces what one snapshot can
tell about them when there is one (`H`). Every string
that came from a backend or a person is redacted (redact.py) and cleaned of control characters
(sanitize.py) once, here, so neither the Markdown nor the JSON can carry a secret or an escape
sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Severity
from oc_console.domain.incident import IncidentEntry, IncidentStart
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.redact import redact
from oc_console.runbook.audit import AuditLog, unfinished
from oc_console.runbook.incident import INCIDENT, INCIDENT_PHASES, LOOKUP, NOTE
from oc_console.sanitize import clean

TIMELINE_PHASES = frozenset({"start", "end", "resolved", NOTE, INCIDENT, LOOKUP})
PAGE_LABELS = ("namespace", "deployment", "pod", "platform", "certificate", "datname")
MAX_EVIDENCE = 6  # evidence lines per finding: the rest is one click away in the console


def safe(text: object) -> str:
    """No secret, no control character, no newline: one line of Markdown-safe text."""
    return clean(redact(str(text or ""))).replace("`", "'")


def _when(at: datetime | str | None) -> str:
    if at is None:
        return "?"
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return safe(at)
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _at(record: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(record.get("at")))
    except ValueError:
        return None


def _who(r: dict[str, Any]) -> str:
    who = f"{r.get('user') or '?'}@{r.get('host') or '?'}"
    return safe(f"{who} ({r['identity']})" if r.get("identity") else who)


def _target(r: dict[str, Any]) -> str:
    t = r.get("target")
    if isinstance(t, dict):
        where = f" in {t['namespace']}" if t.get("namespace") else ""
        return safe(f"{t.get('kind')}/{t.get('name')}{where}")
    return safe(t)


@dataclass(frozen=True)
class Done:
    """One action of the window, from its records."""

    id: str
    who: str
    at: str
    action: str
    target: str
    outcome: str  # ok, failed, refused, interrupted, unfinished, resolved, dry-run
    verification: str
    note: str = ""  # an error, a refusal's reason, "event not written: ..."
    runbook: str = ""

    def line(self) -> str:
        how = self.outcome + (f", verified: {self.verification}" if self.verification else "")
        via = f" via runbook {self.runbook}" if self.runbook else ""
        extra = f" ({self.note})" if self.note else ""
        return f"{self.at} {self.action} {self.target} by {self.who}{via}: {how}{extra}"


@dataclass
class Handoff:
    title: str
    cluster: str
    window: str
    worst: str
    generated_at: str
    audit_source: str  # "shared" or "local"
    wrong_now: list[dict[str, Any]] = field(default_factory=list)
    done: list[Done] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (at, what), oldest first
    orders: list[dict[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    incident: str = ""  # when and why the incident started, when it did in the window

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "cluster": self.cluster, "window": self.window,
            "worst": self.worst, "generated_at": self.generated_at, "incident": self.incident,
            "audit_source": self.audit_source, "wrong_now": self.wrong_now,
            "done": [d.__dict__ for d in self.done],
            "timeline": [{"at": at, "what": what} for at, what in self.timeline],
            "orders": self.orders, "open_questions": self.questions,
        }  # fmt: skip


def _wrong_now(snap: ConsoleSnapshot) -> list[dict[str, Any]]:
    return [
        {"severity": f.severity.label, "subject": safe(f.subject), "summary": safe(f.summary),
         "evidence": [safe(e) for e in f.evidence[:MAX_EVIDENCE]],
         "runbook": safe(f.runbook or ""), "since": _when(f.since) if f.since else ""}
        for f in snap.sorted_findings if f.severity > Severity.OK
    ]  # fmt: skip


def _actions(records: list[dict[str, Any]]) -> list[Done]:
    """One entry per action id that started (or was refused, or dry-run), oldest first."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r.get("phase") in INCIDENT_PHASES:
            continue  # notes and lookups are the timeline's, not actions
        by_id.setdefault(str(r.get("id")), []).append(r)
    out = []
    for ident, rs in by_id.items():
        phases = {str(r.get("phase")): r for r in rs}
        first = phases.get("start") or rs[0]
        end, resolved, event = phases.get("end"), phases.get("resolved"), phases.get("event")
        if end is not None:
            outcome, note = str(end.get("outcome") or "?"), str(end.get("error") or "")
        elif resolved is not None:
            outcome, note = "resolved by hand", str(resolved.get("note") or "")
        elif "start" in phases:
            outcome, note = "unfinished", "started and never ended"
        else:
            outcome, note = str(first.get("phase")), str(first.get("message") or "")
        if event is not None:
            note = "; ".join(n for n in (note, str(event.get("error") or "")) if n)
        out.append(Done(
            safe(ident), _who(first), _when(first.get("at")), safe(first.get("action")),
            _target(first), safe(outcome), safe((end or {}).get("verification") or ""),
            safe(note), safe(first.get("runbook") or ""),
        ))  # fmt: skip
    return out


def _about(labels: tuple[tuple[str, str], ...]) -> str:
    """What a page is about, from the labels that name one thing."""
    have = dict(labels)
    named = [f"{k}={have[k]}" for k in PAGE_LABELS if have.get(k)]
    return f" ({safe(', '.join(named))})" if named else ""


def _seen(snap: ConsoleSnapshot, cutoff: datetime) -> list[tuple[datetime, str]]:
    """Findings and pages from one snapshot: when each began, and causes that cleared."""
    rows: list[tuple[datetime, str]] = []
    for f in snap.findings:
        if f.since is not None and f.since >= cutoff and f.severity > Severity.OK:
            rows.append((f.since, f"{f.severity.label}: {safe(f.subject)}: {safe(f.summary)}"))
    for m in snap.pages:
        a = m.alert
        page = f"page {safe(a.alertname)}{_about(a.labels)}"
        if a.starts_at >= cutoff:
            rows.append((a.starts_at, f"{page} fired ({safe(a.state)})"))
        if m.cleared_at is not None and m.cleared_at >= cutoff:
            rows.append((m.cleared_at, f"{page}: its cause cleared"))
    return rows


def _recorded(r: dict[str, Any]) -> str:
    """One audit record as a timeline line."""
    phase, who = str(r.get("phase")), _who(r)
    if phase == NOTE:
        return f"note by {who}: {safe(r.get('note'))}"
    if phase == INCIDENT:
        return f"incident started by {who} (:incident start)"
    if phase == LOOKUP:
        reason = f": {safe(r.get('note'))}" if r.get("note") else ""
        return f"order {_name(r)} looked up by {who}: {safe(r.get('outcome'))}{reason}"
    what = f"{safe(r.get('action'))} {_target(r)} by {safe(r.get('user'))}"
    tail = {"start": "started", "resolved": f"resolved: {safe(r.get('note'))}"}.get(
        phase, f"ended: {safe(r.get('outcome'))}"
    )
    return f"action {what} {tail}"


def _name(r: dict[str, Any]) -> str:
    t = r.get("target")
    return safe(t.get("name") if isinstance(t, dict) else t)


def _timeline(
    snap: ConsoleSnapshot,
    records: list[dict[str, Any]],
    cutoff: datetime,
    journal: Sequence[IncidentEntry] | None = None,
) -> list[tuple[str, str]]:
    if journal is None:
        rows = _seen(snap, cutoff)
    else:
        rows = [(e.at, safe(e.text)) for e in journal if e.at >= cutoff]
    for c in snap.changes:
        if c.at >= cutoff:
            rows.append((c.at, f"change ({c.kind}) {safe(c.subject)}: {safe(c.summary)}"))
    for r in records:
        at = _at(r)
        if at is None or at < cutoff or r.get("phase") not in TIMELINE_PHASES:
            continue
        rows.append((at, _recorded(r)))
    rows.sort(key=lambda row: row[0])
    return [(_when(at), what) for at, what in rows]


def _orders(snap: ConsoleSnapshot, records: list[dict[str, Any]]) -> list[dict[str, str]]:
    looked: dict[str, dict[str, str]] = {}
    for r in records:  # orders looked up, the latest answer for each
        if r.get("phase") == LOOKUP:
            name = _name(r)
            looked.pop(name, None)
            looked[name] = {"order_id": name, "state": safe(r.get("outcome")) or "?",
                            "reason": safe(r.get("note") or "")}  # fmt: skip
    out: list[dict[str, str]] = list(reversed(looked.values()))  # the latest first
    seen: set[str] = set(looked)
    for r in records:  # orders acted on (replayed) in the window
        t = r.get("target")
        if isinstance(t, dict) and t.get("kind") == "order" and r.get("phase") == "end":
            name = safe(t.get("name"))
            state = "replayed" if r.get("outcome") == "ok" else f"replay {safe(r.get('outcome'))}"
            out.append({"order_id": name, "state": state, "reason": safe(r.get("error") or "")})
            seen.add(name)
    groups = snap.recent_orders.groups if snap.recent_orders else ()
    for g in groups:
        for oid in g.order_ids:
            if safe(oid) not in seen:
                seen.add(safe(oid))
                out.append({"order_id": safe(oid), "state": f"failed ({safe(g.platform)})",
                            "reason": safe(g.error)})  # fmt: skip
    return out


def _questions(snap: ConsoleSnapshot, every: list[dict[str, Any]]) -> list[str]:
    out = []
    for m in snap.firing:
        if m.finding is None and m.cleared_at is None:
            out.append(f"page {safe(m.alert.alertname)} is firing and no finding explains it")
    for s in snap.sources:
        if s.configured and not s.ok:
            out.append(f"source {safe(s.name)} could not be read: {safe(s.error)}")
    if snap.recent_orders_error:
        out.append(f"failed orders could not be read: {safe(snap.recent_orders_error)}")
    for r in unfinished(every):
        out.append(f"unfinished action {safe(r.get('id'))}: {safe(r.get('action'))} "
                   f"{_target(r)} started {_when(r.get('at'))} by {_who(r)}")  # fmt: skip
    for r in every:
        if r.get("phase") == "event" and str(r.get("error") or ""):
            out.append(f"{safe(r.get('action'))} {_target(r)}: {safe(r.get('error'))}")
    return out


def _incident(
    snap: ConsoleSnapshot, records: list[dict[str, Any]], start: IncidentStart | None
) -> str:
    """When the incident started: the console's own word, else the first `:incident start`
    record or CRITICAL finding of the window."""
    if start is None:
        firsts = [IncidentStart(at, f":incident start by {_who(r)}")
                  for r in records if r.get("phase") == INCIDENT and (at := _at(r))]  # fmt: skip
        crit = [f for f in snap.findings if f.severity == Severity.CRITICAL]
        firsts += [IncidentStart(f.since, f"the first CRITICAL finding: {f.subject}")
                   for f in crit if f.since]  # fmt: skip
        start = min(firsts, key=lambda s: s.at) if firsts else None
    return f"{_when(start.at)} ({safe(start.why)})" if start else ""


def build(
    snap: ConsoleSnapshot,
    records: list[dict[str, Any]],
    since: timedelta,
    *,
    audit_source: str = "local",
    every: list[dict[str, Any]] | None = None,
    journal: Sequence[IncidentEntry] | None = None,
    start: IncidentStart | None = None,
) -> Handoff:
    """`records`: the window's audit records, oldest first; `every`: all of them (unfinished
    actions stay open questions whatever the window); `journal`: what the console saw appear
    and clear as it watched, `start`: when it saw the incident start (both from `H`)."""
    now = snap.generated_at
    cutoff = now - since
    window = f"last {human_duration(since.total_seconds())} (since {_when(cutoff)})"
    worst = Severity(snap.worst).label.upper() if snap.findings else "OK"
    cluster = safe(snap.context)
    in_window = [r for r in records if (_at(r) or now) >= cutoff]
    return Handoff(
        title=f"Hand-off: {cluster}, {window}, worst {worst}",
        cluster=cluster, window=window, worst=worst, generated_at=_when(now),
        audit_source=audit_source, wrong_now=_wrong_now(snap),
        done=_actions(in_window), timeline=_timeline(snap, in_window, cutoff, journal),
        orders=_orders(snap, in_window),
        questions=_questions(snap, every if every is not None else records),
        incident=_incident(snap, in_window, start),
    )  # fmt: skip


async def audit_records(
    log: AuditLog, since: timedelta
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(where from, the window's records oldest first, every record for the unfinished ones):
    the shared table when `log` feeds one (this machine's queued records sent first), else the
    local file read in a thread. SharedAuditError when the table cannot be read."""
    import asyncio
    import contextlib

    if log.shared is None:
        reading = await asyncio.to_thread(log.read, since)
        return "local", list(reading.records), list(reading.every)
    from oc_console.runbook.audit_shared import SharedAuditError, read_shared

    with contextlib.suppress(SharedAuditError):  # the table may still be readable
        await log.shared.flush()
    shared = list(reversed(await read_shared(log.shared.dsn, since)))
    return "shared", shared, shared


def markdown(h: Handoff) -> str:
    out = [f"# {h.title}", "", f"_Generated {h.generated_at} UTC; actions from the "
           f"{h.audit_source} audit._", ""]  # fmt: skip
    out += [f"_Incident started {h.incident}._", ""] if h.incident else []
    out += ["## What is wrong now", ""]
    for w in h.wrong_now:
        out.append(f"- **{w['severity'].upper()}** {w['subject']}: {w['summary']}")
        out += [f"  - {e}" for e in w["evidence"]]
    out += ["- nothing: no open findings"] if not h.wrong_now else []
    out += ["", "## What was done", ""]
    out += [f"- {d.line()}" for d in h.done] or ["- no actions in the window"]
    out += ["", "## Timeline", ""]
    out += [f"- {at} {what}" for at, what in h.timeline] or ["- nothing in the window"]
    out += ["", "## Orders looked at", ""]
    out += [f"- {o['order_id']}: {o['state']}" + (f": {o['reason']}" if o["reason"] else "")
            for o in h.orders] or ["- none"]  # fmt: skip
    out += ["", "## Open questions", ""]
    out += [f"- {q}" for q in h.questions] or ["- none"]
    return "\n".join(out) + "\n"
