"""The shared audit: every local audit record also goes to a PostgreSQL table, so a second
engineer sees who did what from any machine (`--audit-dsn`, `audit.dsn`).

The local JSONL file stays the source of truth and is the queue: a cursor file beside it
(`audit.jsonl.sent`) holds the byte offset up to which records are in the table. A flush reads
the lines after it, inserts them in file order in one transaction, and moves the cursor only
after the commit. Each record carries a unique `record_id`, and the INSERT is `ON CONFLICT DO
NOTHING`: a flush that committed but died before moving the cursor, or two processes flushing
one file, send nothing twice. While the database is unreachable nothing is lost: the lines stay
after the cursor and a later flush (the next record, a retry, the next console) sends them.

`ON CONFLICT DO NOTHING` without a conflict target needs INSERT privilege only, so the role
that consoles write with may be granted INSERT and nothing else (README: "Shared audit").
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from oc_console.redact import redact_error, secrets_of
from oc_console.sanitize import clean

TABLE = "oc_console_audit"
CONNECT_TIMEOUT = 3.0
BATCH = 500
RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # then every 30 s while the process lives

MIGRATION = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    record_id   text PRIMARY KEY,
    action_id   text NOT NULL DEFAULT '',
    phase       text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    os_user     text NOT NULL DEFAULT '',
    host        text NOT NULL DEFAULT '',
    identity    text,
    context     text NOT NULL DEFAULT '',
    action      text NOT NULL DEFAULT '',
    target      text NOT NULL DEFAULT '',
    outcome     text,
    record      jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {TABLE}_at ON {TABLE} (at DESC);
"""

INSERT = f"""
INSERT INTO {TABLE} (record_id, action_id, phase, at, os_user, host, identity, context, action,
                     target, outcome, record)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
ON CONFLICT DO NOTHING
"""

SELECT = f"SELECT record::text FROM {TABLE} WHERE at >= $1 ORDER BY at DESC, record_id LIMIT $2"


class SharedAuditError(Exception):
    """The table could not be reached, created or read; one line, no password."""


def record_id(record: dict[str, Any], line: bytes) -> str:
    """The record's own id; a record written before ids existed gets its line's hash."""
    rid = record.get("record_id")
    return str(rid) if rid else hashlib.sha256(line).hexdigest()[:32]


def target_text(record: dict[str, Any]) -> str:
    t = record.get("target")
    if isinstance(t, dict):
        where = f"{t['namespace']}/" if t.get("namespace") else ""
        return f"{where}{t.get('kind')}/{t.get('name')}"
    return str(t or "")


def _row(record: dict[str, Any], line: bytes) -> tuple[Any, ...]:
    at = datetime.fromisoformat(str(record["at"]))
    return (
        record_id(record, line), str(record.get("id") or ""), str(record.get("phase") or ""),
        at, str(record.get("user") or ""), str(record.get("host") or ""),
        record.get("identity"), str(record.get("context") or ""),
        str(record.get("action") or ""), target_text(record), record.get("outcome"),
        line.decode().rstrip("\n"),
    )  # fmt: skip


def _error(exc: BaseException, dsn: str) -> str:
    """One line, without the DSN's password, nothing a terminal would act on."""
    return clean(redact_error(exc, secrets_of(dsn)))


async def connect(dsn: str) -> Any:
    import asyncpg

    try:
        return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # refused, timed out, bad password: all one line
        raise SharedAuditError(f"shared audit: cannot connect: {_error(exc, dsn)}") from None


async def migrate(dsn: str) -> None:
    """`oc-console audit init`: create the table (idempotent)."""
    conn = await connect(dsn)
    try:
        await conn.execute(MIGRATION)
    except Exception as exc:
        raise SharedAuditError(f"shared audit: cannot create {TABLE}: {_error(exc, dsn)}") from None
    finally:
        await conn.close()


async def read_shared(
    dsn: str, since: timedelta | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """The table's records, newest first."""
    cutoff = datetime.now(UTC) - since if since is not None else datetime(1970, 1, 1, tzinfo=UTC)
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(SELECT, cutoff, limit)
    except Exception as exc:
        raise SharedAuditError(f"shared audit: cannot read {TABLE}: {_error(exc, dsn)}") from None
    finally:
        await conn.close()
    return [orjson.loads(r[0]) for r in rows]


@dataclass
class Pending:
    lines: list[tuple[dict[str, Any], bytes]]
    end: int  # the byte offset after the last whole line read


class Cursor:
    """How far the local file is in the table: a byte offset, replaced atomically."""

    def __init__(self, audit_path: Path) -> None:
        self.path = audit_path.with_name(audit_path.name + ".sent")

    def get(self) -> int:
        try:
            return int(self.path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def set(self, offset: int) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, f"{offset}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[bool]:
        """One flusher per file at a time (two consoles of one user share it); False: busy."""
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)


def pending(audit_path: Path, start: int, limit: int = BATCH) -> Pending:
    """Whole lines after `start` (a torn last line waits for its end)."""
    out: list[tuple[dict[str, Any], bytes]] = []
    offset = start
    try:
        handle = audit_path.open("rb")
    except FileNotFoundError:
        return Pending(out, start)
    with handle:
        handle.seek(start)
        for line in handle:
            if not line.endswith(b"\n") or len(out) >= limit:
                break
            offset += len(line)
            with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                record = orjson.loads(line)
                datetime.fromisoformat(str(record["at"]))
                out.append((record, line))  # an unreadable line is skipped, as `audit` does
    return Pending(out, offset)


class SharedAudit:
    """Ships one local audit file to the table, in order, once."""

    def __init__(self, dsn: str, audit_path: Path) -> None:
        self.dsn, self.audit_path = dsn, audit_path
        self.cursor = Cursor(audit_path)
        self.last_error = ""
        self._task: asyncio.Task[None] | None = None

    async def flush(self) -> int:
        """Send every whole line after the cursor; how many were sent. SharedAuditError when
        the database cannot take them (they stay queued)."""
        sent = 0
        with self.cursor.locked() as mine:
            if not mine:
                return 0
            conn = None
            try:
                while True:
                    batch = pending(self.audit_path, self.cursor.get())
                    if batch.end == self.cursor.get():
                        break
                    if batch.lines:
                        conn = conn or await connect(self.dsn)
                        await self._insert(conn, batch)
                    self.cursor.set(batch.end)
                    sent += len(batch.lines)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
        self.last_error = ""
        return sent

    async def _insert(self, conn: Any, batch: Pending) -> None:
        try:
            async with conn.transaction():
                await conn.executemany(INSERT, [_row(r, line) for r, line in batch.lines])
        except Exception as exc:
            raise SharedAuditError(
                f"shared audit: cannot insert: {_error(exc, self.dsn)}"
            ) from None

    def kick(self) -> None:
        """Flush in the background (an action never waits on the shared table), retrying with
        backoff while records stay queued."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._ship())

    async def _ship(self) -> None:
        for attempt in range(10_000):
            try:
                await self.flush()
                return
            except SharedAuditError as exc:
                self.last_error = str(exc)
            except OSError as exc:
                self.last_error = f"shared audit: {_error(exc, self.dsn)}"
            await asyncio.sleep(RETRY_S[min(attempt, len(RETRY_S) - 1)])

    async def drain(self, timeout: float = 5.0) -> None:
        """At exit: stop the background retries and try once more within `timeout`; what is
        left stays queued on disk for the next console."""
        task, self._task = self._task, None
        if task is None:
            return  # this process wrote nothing: `check` must not wait on the database
        if not task.done():
            task.cancel()
            await asyncio.wait([task])  # its end, without taking its cancellation as ours
        with contextlib.suppress(SharedAuditError, OSError, asyncio.TimeoutError):
            await asyncio.wait_for(self.flush(), timeout)
