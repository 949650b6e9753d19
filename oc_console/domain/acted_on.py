"""What any oc-console did, from the Events it left on its targets (reason OcConsoleAction,
written by the runbook engine): each is a Change on the Changes timeline, and the newest on an
object is "acted on by alice, 4 min ago" beside it, whoever's console did it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from oc_console.domain.changes import ACTION, Change
from oc_console.domain.durations import human_duration
from oc_console.domain.kube import EventRow, FleetSnapshot

REASON = "OcConsoleAction"
# "rollout restart deployment/x by alice@bastion-1 (alice@openclaw.io) via ...": the OS user
_BY = re.compile(r" by ([^@\s]+)@")


def _ours(fleet: FleetSnapshot) -> list[EventRow]:
    return [e for e in fleet.events if e.reason == REASON and e.last_seen is not None]


def action_changes(fleet: FleetSnapshot) -> list[Change]:
    return [
        Change(e.last_seen, ACTION, f"{e.namespace}/{e.object_name}", e.message)
        for e in _ours(fleet)
        if e.last_seen is not None
    ]


def acted_on(fleet: FleetSnapshot, key: str, now: datetime | None = None) -> str | None:
    """ "acted on by alice, 4 min ago" for the newest action on `namespace/name`, or None."""
    mine = [e for e in _ours(fleet) if f"{e.namespace}/{e.object_name}" == key]
    if not mine:
        return None
    last = max(mine, key=lambda e: e.last_seen or datetime.min.replace(tzinfo=UTC))
    seen = last.last_seen or datetime.now(UTC)
    who = _BY.search(last.message)
    ago = human_duration(((now or datetime.now(UTC)) - seen).total_seconds())
    return f"acted on by {who.group(1) if who else 'someone'}, {ago} ago"
