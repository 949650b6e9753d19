"""`oc-console check`: the JSON document and the text for a person, and the Nagios exit code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from rich.console import Console as RichConsole
from rich.table import Table

from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Severity
from oc_console.domain.snapshot import ConsoleSnapshot

UNKNOWN = 3
_NEVER = datetime.max.replace(tzinfo=UTC)


def exit_code(snap: ConsoleSnapshot) -> int:
    """Nagios: a critical finding wins over an unreadable source, which wins over a warning."""
    worst = snap.worst
    if worst == Severity.CRITICAL:
        return int(Severity.CRITICAL)
    if any(s.configured and not s.ok for s in snap.sources):
        return UNKNOWN
    return worst


def _database_json(db: PoolSnapshot | None) -> dict[str, Any]:
    if db is None:
        return {}
    doc = dataclasses.asdict(db)
    doc["saturation_pct"] = round(db.saturation_pct, 1)
    doc["total_sessions"] = db.total_sessions
    doc["usable_connections"] = db.usable_connections
    doc["sessions_by_state"] = dict(db.sessions_by_state)
    doc["sessions_by_application"] = dict(db.sessions_by_application)
    return doc


def _adapters_json(snap: ConsoleSnapshot) -> list[dict[str, Any]]:
    if snap.fleet is None:
        return []
    out = []
    for a in snap.fleet.adapters:
        pods = snap.fleet.pods_of(a)
        metrics = snap.metrics.adapter(a.platform) if snap.metrics else None
        out.append(
            {
                **dataclasses.asdict(a),
                "restarts": sum(p.restarts for p in pods),
                "oomkilled": [p.name for p in pods if any(c.oomkilled for c in p.containers)],
                "crashloop": [p.name for p in pods if any(c.crashloop for c in p.containers)],
                "metrics": dataclasses.asdict(metrics) if metrics else None,
            }
        )
    return out


def _certificates_json(snap: ConsoleSnapshot) -> list[dict[str, Any]]:
    if snap.fleet is None:
        return []
    return [
        {
            **dataclasses.asdict(c),
            "renew_before": c.renew_before.total_seconds() if c.renew_before else None,
            "policy_ok": c.policy_ok,
        }
        for c in sorted(snap.fleet.certificates, key=lambda c: c.not_after or _NEVER)
    ]


def check_json(snap: ConsoleSnapshot) -> dict[str, Any]:
    return {
        "generated_at": snap.generated_at.isoformat(),
        "context": snap.context,
        "sources": {s.name: s.to_json() for s in snap.sources},
        "adapters": _adapters_json(snap),
        "database": _database_json(snap.database),
        "certificates": _certificates_json(snap),
        "findings": [f.to_json() for f in snap.sorted_findings],
        "alerts": [m.to_json() for m in snap.pages],
    }


_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.OK: "green"}
_STATUS = ("OK", "WARNING", "CRITICAL", "UNKNOWN")


def print_check(snap: ConsoleSnapshot, out: RichConsole) -> None:
    code = exit_code(snap)
    out.print(f"[bold]{_STATUS[code]}[/] - {len(snap.findings)} findings (context {snap.context})")
    sources = Table(title="sources", show_edge=False, title_justify="left")
    for col in ("source", "status", "detail"):
        sources.add_column(col)
    for s in snap.sources:
        style = "green" if s.ok else ("dim" if not s.configured else "red")
        sources.add_row(s.name, f"[{style}]{s.status}[/]", s.error or s.detail or "")
    out.print(sources)
    if snap.fleet is not None:
        bad = [a for a in snap.fleet.adapters if a.ready < a.desired]
        out.print(
            f"adapters: {len(snap.fleet.adapters)}, {len(bad)} not fully ready; "
            f"{len(snap.fleet.certificates)} certificates"
        )
    if snap.database is not None:
        db = snap.database
        out.print(
            f"database: {db.total_sessions}/{db.usable_connections} connections "
            f"({db.saturation_pct:.0f} %), {db.idle_in_transaction_count} idle in transaction, "
            f"{len(db.blocked)} blocked"
        )
    if snap.findings:
        table = Table(title="findings", show_edge=False, title_justify="left")
        for col in ("severity", "subject", "summary", "runbook"):
            table.add_column(col, overflow="fold")
        for f in snap.sorted_findings:
            style = _STYLE[f.severity]
            table.add_row(f"[{style}]{f.severity.label}[/]", f.subject, f.summary, f.runbook or "")
        out.print(table)
