"""The audit log: append-only JSONL, fsync'd. An action writes a `start` record before it
touches anything and an `end` record with its outcome and duration; a refusal or a dry run is
one record of its own. A `start` without an `end` is an action whose process died: the next
start of the console shows it.

Writes are blocking (fsync), so async callers use `write()`, which runs them in a thread and
never on the UI loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson


def default_audit_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(base) / "oc-console" / "audit.jsonl"


class AuditError(Exception):
    """The record could not be made durable; the message says where and why."""


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_audit_path()

    def _ensure_dir(self) -> None:
        folder = self.path.parent
        if not folder.is_dir():
            # other users on a shared bastion must not read who did what
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)

    def append(self, record: dict[str, Any]) -> None:
        line = orjson.dumps(record) + b"\n"
        try:
            self._ensure_dir()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)  # one write of one line: appends never interleave mid-record
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    async def write(self, record: dict[str, Any]) -> None:
        """append() off the event loop."""
        await asyncio.to_thread(self.append, record)

    def read(self, since: timedelta | None = None, now: datetime | None = None) -> AuditReading:
        """Every readable record, oldest first; unreadable lines are counted, not fatal."""
        if not self.path.exists():
            return AuditReading((), 0)
        cutoff = (now or datetime.now(UTC)) - since if since is not None else None
        records: list[dict[str, Any]] = []
        bad = 0
        with self.path.open("rb") as handle:
            for raw in handle:
                try:
                    record = orjson.loads(raw)
                    at = datetime.fromisoformat(record["at"])
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    bad += 1  # a torn last line after a crash, or a hand edit
                    continue
                if cutoff is None or at >= cutoff:
                    records.append(record)
        return AuditReading(tuple(records), bad)


class AuditReading:
    def __init__(self, records: tuple[dict[str, Any], ...], unreadable: int) -> None:
        self.records = records
        self.unreadable = unreadable

    def unfinished(self) -> list[dict[str, Any]]:
        """Start records with no end: the process died (or is still running the action)."""
        return unfinished(self.records)


def unfinished(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    started: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("phase") == "start":
            started[str(r.get("id"))] = r
        elif r.get("phase") == "end":
            started.pop(str(r.get("id")), None)
    return list(started.values())


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
