"""The health of one data source as the console shows it in its header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceHealth:
    name: str  # "postgres", "kubernetes", "prometheus", "traces"
    configured: bool
    ok: bool  # the last attempt succeeded
    error: str | None  # one line, for a person
    fetched_at: datetime | None  # when the data now shown was read (the last good read)
    failing_since: datetime | None = None
    detail: str | None = None  # e.g. "stand-in", "2 warnings"
    every: float = 0.0  # seconds between reads when slower than the UI's refresh
    # Why this source's credentials or data cross the network unprotected (plain http://
    # with credentials, a remote PostgreSQL without a verified certificate), else None.
    insecure: str | None = None

    @property
    def status(self) -> str:
        if not self.configured:
            return "not configured"
        if self.ok:
            return "ok"
        if self.error is None:
            return "connecting"
        return "stale" if self.fetched_at else "down"

    def age_seconds(self, now: datetime) -> float | None:
        if self.fetched_at is None:
            return None
        return max(0.0, (now - self.fetched_at).total_seconds())

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "status": self.status,
            "configured": self.configured,
            "error": self.error,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
            "detail": self.detail,
            "insecure": self.insecure,
        }
