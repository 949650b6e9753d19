"""The audit log: append-only JSONL, fsync'd, one record when an action starts and one when it
ends, so an interrupted action still leaves evidence."""

from __future__ import annotations

import getpass
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson


def default_audit_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(base) / "oc-console" / "audit.jsonl"


class AuditLog:
    def __init__(self, path: Path | None = None, *, identity: str | None = None) -> None:
        self.path = path or default_audit_path()
        self.identity = identity  # the Kubernetes identity, when known

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = orjson.dumps(record) + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one write of one line: appends never interleave mid-record
            os.fsync(fd)
        finally:
            os.close(fd)

    @asynccontextmanager
    async def action(
        self, action: str, *, context: str, target: str, params: dict[str, Any], preview: str
    ) -> AsyncIterator[dict[str, Any]]:
        """Audit one action: yields a dict the caller may fill with `result`."""
        action_id = uuid.uuid4().hex
        base = {
            "id": action_id,
            "user": getpass.getuser(),
            "identity": self.identity,
            "context": context,
            "action": action,
            "target": target,
            "params": params,
        }
        start = time.monotonic()
        self.append({**base, "phase": "start", "at": _now(), "preview": preview})
        outcome: dict[str, Any] = {}
        try:
            yield outcome
        except BaseException as exc:
            self.append(
                {**base, "phase": "end", "at": _now(), "outcome": "error",
                 "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                 "duration_s": round(time.monotonic() - start, 3)}
            )  # fmt: skip
            raise
        self.append(
            {**base, "phase": "end", "at": _now(), "outcome": "ok", **outcome,
             "duration_s": round(time.monotonic() - start, 3)}
        )  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat()
