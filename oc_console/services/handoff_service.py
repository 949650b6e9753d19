"""`H` in the console: the hand-off of the last hours from what the console shows now and the
audit (shared when configured), written beside the audit log, 0600 like it (it names people and
what they did)."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.handoff import audit_records, build, markdown
from oc_console.runbook.audit import AuditLog
from oc_console.services.incident import IncidentTracker


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


async def write_handoff(
    snapshot: ConsoleSnapshot,
    audit: AuditLog,
    since: timedelta,
    incident: IncidentTracker | None = None,
) -> tuple[Path, str]:
    """(where it was written, its title). `incident`: what the console saw as it watched."""
    source, records, every = await audit_records(audit, since)
    journal = list(incident.entries) if incident is not None else None
    start = incident.start if incident is not None else None
    h = build(snapshot, records, since, audit_source=source, every=every, journal=journal,
              start=start)  # fmt: skip
    path = audit.path.parent / f"handoff-{snapshot.generated_at:%Y%m%dT%H%M%S}.md"
    await asyncio.to_thread(_write, path, markdown(h))
    return path, h.title
