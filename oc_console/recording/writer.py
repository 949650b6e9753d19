"""Appends frames to a recording and keeps it under its size bound.

A frame is full every `full_every` seconds and a delta against the frame before it in
between: a seek decodes one full frame and applies the deltas after it, at most
`full_every` seconds' worth.
Each record goes out in one write and is flushed, so a crash loses at most the record being
written; a full frame is also fsync'd, so a power cut loses at most a full frame's interval.

The bound (`max_size`): when the file grows past it, the oldest frames go first. The file is
rewritten from the newest full frame that leaves it at three quarters of the bound (the
header, then everything from that frame on) into a temporary file beside it, fsync'd, and
renamed over the old one: a crash during the rewrite leaves the old file or the new one,
never half of each. Rewriting a quarter of the bound at a time keeps it rare."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from oc_console.recording.delta import diff
from oc_console.recording.format import (
    DELTA,
    EVENT,
    FULL,
    HEADER,
    MAGIC,
    RecordingError,
    pack,
)

DEFAULT_MAX_SIZE = 200 * 1024 * 1024
MIN_MAX_SIZE = 64 * 1024  # below this a full frame of a small fleet does not fit
DEFAULT_FULL_EVERY = 300.0
KEEP_SHARE = 0.75  # what a rewrite keeps of the bound
DELTA_SHARE = 0.5  # a delta bigger than this share of its full frame is written full instead
SMALL_DELTA = 4096  # ...unless it is this small anyway (a tiny fleet's frames)


@dataclass(frozen=True)
class Written:
    offset: int
    kind: bytes
    at: float
    size: int  # the whole record, head included


class RecordingWriter:
    def __init__(
        self,
        path: str | Path,
        header: dict[str, Any],
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        full_every: float = DEFAULT_FULL_EVERY,
    ) -> None:
        if max_size < MIN_MAX_SIZE:
            raise RecordingError(f"--max-size must be at least {MIN_MAX_SIZE // 1024} KB")
        self.path = Path(path)
        self.max_size = max_size
        self.full_every = full_every
        self._header = MAGIC + pack(HEADER, 0.0, header)
        self._records: list[Written] = []
        self._prev: Any = None  # the last frame's tree: a delta is taken against it
        self._base_at = float("-inf")  # when the last full frame was written
        self._base_size = 0
        self.evictions = 0
        try:
            self._file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 (held open)
            self._file.write(self._header)
            self._file.flush()
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot write: {exc.strerror}") from None
        self.size = len(self._header)

    def frame(self, at: float, tree: Any) -> bytes:
        """Append a frame at unix time `at`; returns its kind (FULL or DELTA)."""
        kind, record = self.prepare(at, tree)
        self.append(kind, at, record)
        return kind

    def prepare(self, at: float, tree: Any) -> tuple[bytes, bytes]:
        """The record of the next frame, full or a delta against the frame before it, ready for
        `append`: the CPU's part of `frame` (the recorder does it on its event loop, and only
        the writing on its thread). Frames are prepared and appended in the same order."""
        record, kind = b"", FULL
        if self._prev is not None and at - self._base_at < self.full_every:
            record, kind = pack(DELTA, at, diff(self._prev, tree)), DELTA
            # a delta half as big as a full frame (the sources' first answers, a relist) is
            # better written as a full frame: a seek then starts from it
            if len(record) > max(self._base_size * DELTA_SHARE, SMALL_DELTA):
                kind = FULL
        if kind == FULL:
            record = pack(FULL, at, tree)
            self._base_at, self._base_size = at, len(record)
        self._prev = tree
        return kind, record

    def append(self, kind: bytes, at: float, record: bytes) -> None:
        """Write a prepared frame's record (a full frame is also fsync'd)."""
        self._append(kind, at, record, sync=kind == FULL)

    def event(self, at: float, tree: Any) -> None:
        """Something that happened between frames: an order looked up, an action taken."""
        self._append(EVENT, at, pack(EVENT, at, tree), sync=False)

    def _append(self, kind: bytes, at: float, record: bytes, *, sync: bool) -> None:
        try:
            self._file.write(record)
            self._file.flush()
            if sync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot write: {exc.strerror}") from None
        self._records.append(Written(self.size, kind, at, len(record)))
        self.size += len(record)
        if self.size > self.max_size:
            self._evict()

    def _evict(self) -> None:
        """Rewrite the file from a later full frame on (see the module's docstring)."""
        keep = int(self.max_size * KEEP_SHARE) - len(self._header)
        fulls = [i for i, r in enumerate(self._records) if r.kind == FULL]
        cut = next((i for i in fulls if self.size - self._records[i].offset <= keep), fulls[-1])
        if cut == 0:
            return  # one full frame and its deltas: nothing older to drop yet
        start = self._records[cut].offset
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self._file.close()
            with open(self.path, "rb") as old, open(tmp, "wb") as new:
                new.write(self._header)
                old.seek(start)
                while chunk := old.read(1024 * 1024):
                    new.write(chunk)
                new.flush()
                os.fsync(new.fileno())
            os.replace(tmp, self.path)
            self._file = open(self.path, "ab")  # noqa: SIM115 (held open)
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot rewrite: {exc.strerror}") from None
        shift = start - len(self._header)
        self._records = [
            Written(r.offset - shift, r.kind, r.at, r.size) for r in self._records[cut:]
        ]
        self.size -= shift
        self.evictions += 1

    @property
    def frames(self) -> int:
        return sum(r.kind != EVENT for r in self._records)

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            pass  # the records written are flushed; a failing disk cannot be helped here
        finally:
            self._file.close()


__all__ = ["DEFAULT_MAX_SIZE", "RecordingWriter"]
