"""An incident as the team sees it: what others did lately (the Overview's header), the shared
audit's rows (`A`), and the timeline entries the console noted while it watched (findings that
appeared or cleared, pages that fired or resolved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NOTE_MAX_CHARS = 500  # one line of a hand-off, not an essay


@dataclass(frozen=True)
class TeamActivity:
    """What the shared audit says other engineers did within `window_s`."""

    by_others: int  # actions started by someone other than this console's user@host
    window_s: float
    people: tuple[str, ...] = ()  # who, newest first

    def header(self) -> str:
        """'2 actions by others in the last hour'."""
        n = self.by_others
        window = "the last hour" if self.window_s == 3600 else f"the last {self.window_s:g}s"
        return f"{n} action{'' if n == 1 else 's'} by others in {window}"


@dataclass(frozen=True)
class AuditEntry:
    """One record of the shared audit, as a row: every engineer's actions, notes, lookups."""

    at: datetime | None
    who: str
    action: str
    target: str
    phase: str
    outcome: str
    detail: str
    record_id: str = ""


@dataclass(frozen=True)
class IncidentEntry:
    """One thing the console saw happen: a finding appeared or cleared, a page fired or
    resolved. `kind` says which (finding, page)."""

    at: datetime
    kind: str
    text: str


@dataclass(frozen=True)
class IncidentStart:
    at: datetime
    why: str  # "the first CRITICAL finding: ...", ":incident start by alice@b1"
