"""The audit log: append-only JSONL. An action writes a `start` record before it touches
anything and an `end` record with its outcome and duration; a refusal or a dry run is one record
of its own. A `start` without an `end` is an action whose process died: the next start of the
console shows it, and `audit` lists it whatever the window, until an `end` or a `resolved`
record (`oc-console audit resolve ID --note ...`) closes it.

Durability: `append()` returns only once the record is on disk. The line is written with one
write() (appends never interleave mid-record) and fsync'd; when that write created the file,
the directory is fsync'd too, so the file's name survives a crash as well as its content. A
short write, or any OS error, raises AuditError and the caller must treat the record as
missing.

Privacy: the directory is 0700 and the file 0600 (other users on a shared bastion must not read
who did what). Looser modes found on disk are tightened, or refused when we cannot. A symlink in
place of the file is refused (O_NOFOLLOW): it could point the log at someone else's file.

Terminals: records hold backend text. orjson escapes C0 controls only, so DEL, C1 controls and
bidi overrides are \\u-escaped on write (see `inert_json`), and printing cleans them again.

Writes are blocking (fsync), so async callers use `write()`, which runs them in a thread and
never on the UI loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from oc_console.inert_json import inert

if TYPE_CHECKING:
    from oc_console.runbook.audit_shared import SharedAudit

DIR_MODE = 0o700
FILE_MODE = 0o600
CLOSING_PHASES = frozenset({"end", "resolved"})


def default_audit_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(base) / "oc-console" / "audit.jsonl"


class AuditError(Exception):
    """The record could not be made durable; the message says where and why."""


def encode(record: dict[str, Any]) -> bytes:
    """One JSONL line with nothing in it a terminal would act on."""
    return (inert(orjson.dumps(record).decode()) + "\n").encode()


def _tighten(fd: int, path: Path, mode: int) -> None:
    """Give `path` (open as `fd`) no more than `mode`; refuse what we cannot fix."""
    st = os.fstat(fd)
    if stat.S_IMODE(st.st_mode) & ~mode == 0:
        return
    if st.st_uid != os.getuid():
        raise AuditError(f"refusing {path}: mode {stat.S_IMODE(st.st_mode):o} lets others read "
                         f"it and it belongs to uid {st.st_uid}")  # fmt: skip
    os.fchmod(fd, mode)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AuditLog:
    def __init__(self, path: Path | None = None, shared_dsn: str | None = None) -> None:
        self.path = path or default_audit_path()
        # the shared table (audit_shared.py): fed from this file, never instead of it
        self.shared: SharedAudit | None = None
        if shared_dsn:
            from oc_console.runbook.audit_shared import SharedAudit

            self.shared = SharedAudit(shared_dsn, self.path)

    def _ensure_dir(self) -> None:
        folder = self.path.parent
        if not folder.is_dir():
            folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _tighten(fd, folder, DIR_MODE)
        finally:
            os.close(fd)

    def _open(self) -> tuple[int, bool]:
        """The file for appending, and whether this call created it. Never follows a link."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            for _ in range(3):  # a concurrent creator or remover: look again
                try:
                    return os.open(self.path, flags), False
                except FileNotFoundError:
                    pass
                try:
                    return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, FILE_MODE), True
                except FileExistsError:
                    pass
        except OSError as exc:
            if exc.errno == errno.ELOOP or self.path.is_symlink():
                raise AuditError(f"refusing {self.path}: it is a symbolic link") from None
            raise
        raise AuditError(f"cannot open {self.path}: it keeps appearing and vanishing")

    def append(self, record: dict[str, Any]) -> None:
        # each record's own id: the shared table takes each line once, whoever sends it
        line = encode({"record_id": uuid.uuid4().hex, **record})
        try:
            self._ensure_dir()
            fd, created = self._open()
            try:
                _tighten(fd, self.path, FILE_MODE)
                written = os.write(fd, line)  # one write of one line: appends never interleave
                if written != len(line):
                    _end_torn_line(fd)
                    raise AuditError(
                        f"cannot write {self.path}: short write ({written} of {len(line)} "
                        "bytes; disk full or file size limit)"
                    )
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.path.parent)
        except OSError as exc:
            raise AuditError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    async def write(self, record: dict[str, Any]) -> None:
        """append() off the event loop; then the shared table, in the background."""
        await asyncio.to_thread(self.append, record)
        if self.shared is not None:
            self.shared.kick()

    async def close(self) -> None:
        """Send what is still queued for the shared table, briefly; the rest waits on disk."""
        if self.shared is not None:
            await self.shared.drain()

    def read(self, since: timedelta | None = None, now: datetime | None = None) -> AuditReading:
        """Every readable record, oldest first; unreadable lines are counted, not fatal.
        `since` narrows `records`, never `unfinished()`, which looks at the whole file."""
        if not self.path.exists():
            return AuditReading((), 0)
        cutoff = (now or datetime.now(UTC)) - since if since is not None else None
        every: list[dict[str, Any]] = []
        recent: list[dict[str, Any]] = []
        bad = 0
        with self.path.open("rb") as handle:
            for raw in handle:
                try:
                    record = orjson.loads(raw)
                    at = datetime.fromisoformat(record["at"])
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    bad += 1  # a torn last line after a crash, or a hand edit
                    continue
                every.append(record)
                if cutoff is None or at >= cutoff:
                    recent.append(record)
        return AuditReading(tuple(recent), bad, tuple(every))


def _end_torn_line(fd: int) -> None:
    """After a short write, best effort: end the torn line so the next record is readable."""
    with contextlib.suppress(OSError):
        os.write(fd, b"\n")


class AuditReading:
    def __init__(
        self,
        records: tuple[dict[str, Any], ...],
        unreadable: int,
        every: tuple[dict[str, Any], ...] | None = None,
    ) -> None:
        self.records = records  # those in the window asked for
        self.every = records if every is None else every  # the whole file
        self.unreadable = unreadable

    def unfinished(self) -> list[dict[str, Any]]:
        """Start records with no end or resolution, whatever the window: the process died
        (or is still running the action)."""
        return unfinished(self.every)

    def by_id(self, action_id: str) -> list[dict[str, Any]]:
        return [r for r in self.every if str(r.get("id")) == action_id]


def unfinished(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    started: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("phase") == "start":
            started[str(r.get("id"))] = r
        elif r.get("phase") in CLOSING_PHASES:
            started.pop(str(r.get("id")), None)
    return list(started.values())


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def matches_target(record: dict[str, Any], wanted: str | None) -> bool:
    """`audit --target`: the target's name, kind/name, namespace/name or namespace/kind/name."""
    if not wanted:
        return True
    t = record.get("target")
    if not isinstance(t, dict):
        return str(t or "") == wanted
    kind, name, ns = (
        str(t.get("kind") or ""),
        str(t.get("name") or ""),
        str(t.get("namespace") or ""),
    )
    return wanted in (name, f"{kind}/{name}", f"{ns}/{name}", f"{ns}/{kind}/{name}")
