"""On a VM there is no Lease: an exclusive lock file per target in the state directory does its
job, so two engineers, or two consoles of one engineer, cannot act on one compose service at
once.

The lock is `fcntl.flock` on `locks/<project>.<target>.lock` beside the audit log, held by
this process for the length of the action. The kernel drops it when the process dies, so a
console killed in the middle never blocks the next engineer (a file made with O_EXCL alone
would, until someone deleted it by hand). The holder writes who it is into the file;
whoever finds the lock taken reads that line to say who holds it. The file itself stays:
deleting it would let a third process lock a fresh file while a second still waits on the
old one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from oc_console.runbook.actions.base import ActionFailed
from oc_console.runbook.audit import DIR_MODE, FILE_MODE

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _span(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60}m{s % 60:02d}s"


@dataclass(frozen=True)
class LockHolder:
    identity: str
    path: Path
    held_s: float | None = None

    def describe(self) -> str:
        since = f" (taken {_span(self.held_s)} ago)" if self.held_s is not None else ""
        return f"lock file {self.path} held by {self.identity}{since}"


class LockFileGuard:
    """The same three calls as a LeaseGuard: who else holds it, take it, give it back."""

    def __init__(self, directory: Path, namespace: str, name: str, identity: str) -> None:
        """`name` is the target's Lease name (lease_name): the same on a cluster and a VM."""
        self.namespace, self.name, self.identity = namespace, name, identity
        self.path = directory / f"{_UNSAFE.sub('-', namespace)}.{name}.lock"
        self._fd: int | None = None

    @property
    def label(self) -> str:
        return f"lock file {self.path}"

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        except OSError as exc:
            raise ActionFailed(f"cannot open the lock file {self.path}: {exc.strerror}") from None

    def _holder(self, fd: int) -> LockHolder:
        """Who the file says holds it; a holder still writing its line is "another console"."""
        with contextlib.suppress(OSError):
            data = os.pread(fd, 4096, 0)
            with contextlib.suppress(orjson.JSONDecodeError, TypeError, ValueError):
                doc = orjson.loads(data)
                if not isinstance(doc, dict):
                    raise ValueError(data)
                since = time.time() - float(doc.get("at") or time.time())
                return LockHolder(str(doc.get("holder") or "another console"), self.path, since)
        return LockHolder("another console", self.path)

    def other_holder(self) -> LockHolder | None:
        """Someone else's hold on the target, or None (the lock is tried and let go)."""
        if self._fd is not None:
            return None
        fd = self._open()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return self._holder(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def acquire(self) -> LockHolder | None:
        """Take the lock; the other holder when someone has it (nothing is written then)."""
        if self._fd is not None:
            return None
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            return holder
        line = orjson.dumps({"holder": self.identity, "pid": os.getpid(), "at": time.time()})
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, line + b"\n", 0)
        except OSError as exc:
            os.close(fd)  # closing drops the lock
            raise ActionFailed(f"cannot write the lock file {self.path}: {exc.strerror}") from None
        self._fd = fd
        return None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # no stale name for the next reader to show
        finally:
            os.close(fd)  # drops the lock
