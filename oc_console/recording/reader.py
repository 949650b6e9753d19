"""Reads a recording: its header, an index of its frames, and any frame's tree.

Opening a file reads the record heads only, checking each record's length and checksum; a file
cut short (a crash mid-write) or corrupt past some point replays up to its last good frame, and
`damaged` says where it stopped, in one line. A file that is not a recording, or that holds no
whole frame, is refused with one line (RecordingError), never a traceback.

A frame's tree is the full frame before it with the deltas since applied: a full frame every
few minutes bounds that work, so seeking in a long recording costs no more than in a short
one."""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oc_console.recording.delta import apply
from oc_console.recording.format import (
    DELTA,
    EVENT,
    FORMAT,
    FULL,
    HEAD,
    HEADER,
    KINDS,
    MAGIC,
    MAX_RECORD_BYTES,
    SCHEMA_VERSION,
    RecordingError,
    unpack,
)


def _from_1(tree: Any) -> Any:
    """Schema 1 wrote every session's ages in seconds, which schema 2 still reads as they are
    (it writes them relative to the pool's oldest): a version-1 frame is a version-2 frame."""
    return tree


# Upgrades of older schemas, each taking a frame's tree (or a delta's patch) one version up; a
# recording whose schema has no path here is refused, naming both versions.
UPGRADES: dict[int, Callable[[Any], Any]] = {1: _from_1}


@dataclass(frozen=True)
class FrameRef:
    offset: int  # of the payload
    kind: bytes
    at: float  # unix seconds
    length: int
    base: int  # index (among frames) of the full frame a delta chain starts from

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


class Recording:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.data = self.path.read_bytes()
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot read: {exc.strerror}") from None
        if not self.data.startswith(MAGIC):
            raise RecordingError(f"{self.path}: not an oc-console recording")
        self.frames: list[FrameRef] = []
        self.events: list[FrameRef] = []
        self.damaged: str | None = None  # where a cut-short or corrupt file stops, one line
        self.header = self._read_header()
        self.schema: int = self.header["schema"]
        self._index(len(MAGIC) + HEAD.size + self._header_length)
        if not self.frames:
            why = f": {self.damaged}" if self.damaged else ""
            raise RecordingError(f"{self.path}: no complete frame{why}")
        self.times = [f.at for f in self.frames]
        self._cache: tuple[int, Any] | None = None  # the last frame built: (index, tree)

    def _read_header(self) -> dict[str, Any]:
        start = len(MAGIC)
        record = self._record(start)
        if record is None or record[0] != HEADER:
            raise RecordingError(f"{self.path}: cut short or corrupt within its header")
        _kind, length, payload = record
        self._header_length = length
        header = unpack(payload)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise RecordingError(f"{self.path}: not an oc-console recording")
        schema = header.get("schema")
        if not isinstance(schema, int):
            raise RecordingError(f"{self.path}: its header names no schema version")
        if schema > SCHEMA_VERSION:
            raise RecordingError(
                f"{self.path}: recording schema {schema} is newer than this console's "
                f"{SCHEMA_VERSION}: replay it with a newer oc-console"
            )
        missing = [v for v in range(schema, SCHEMA_VERSION) if v not in UPGRADES]
        if missing:
            raise RecordingError(
                f"{self.path}: recording schema {schema} is older than this console's "
                f"{SCHEMA_VERSION} and cannot be upgraded"
            )
        return header

    def _record(self, start: int) -> tuple[bytes, int, bytes] | None:
        """(kind, length, payload) of the whole, checksummed record at `start`, else None."""
        end = start + HEAD.size
        if end > len(self.data):
            return None
        kind, length, crc, _at = HEAD.unpack_from(self.data, start)
        if kind not in KINDS or length > MAX_RECORD_BYTES or end + length > len(self.data):
            return None
        payload = self.data[end : end + length]
        if zlib.crc32(payload) != crc:
            return None
        return kind, length, payload

    def _index(self, start: int) -> None:
        data, pos, base = self.data, start, -1
        while pos < len(data):
            record = self._record(pos)
            if record is None or record[0] == HEADER:
                self.damaged = self._stopped(pos)
                return
            kind, length, _ = record
            at = HEAD.unpack_from(data, pos)[3]
            ref_base = len(self.frames) if kind == FULL else base
            ref = FrameRef(pos + HEAD.size, kind, at, length, ref_base)
            if kind == EVENT:
                self.events.append(ref)
            elif kind == FULL or (kind == DELTA and base >= 0):
                base = ref_base
                self.frames.append(ref)
            pos += HEAD.size + length

    def _stopped(self, pos: int) -> str:
        last = self.frames[-1].time.strftime("%Y-%m-%d %H:%M:%S UTC") if self.frames else None
        where = f"after the frame of {last}" if last else "before its first frame"
        return f"cut short or corrupt {where} ({len(self.data) - pos} bytes dropped)"

    # --- frames --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frames)

    @property
    def start(self) -> datetime:
        return self.frames[0].time

    @property
    def end(self) -> datetime:
        return self.frames[-1].time

    def index_at(self, at: datetime) -> int:
        """The frame shown at `at`: the last one at or before it (the first, before it)."""
        return max(0, bisect.bisect_right(self.times, at.timestamp()) - 1)

    def _payload(self, ref: FrameRef) -> Any:
        tree = unpack(self.data[ref.offset : ref.offset + ref.length])
        for version in range(self.schema, SCHEMA_VERSION):
            tree = UPGRADES[version](tree)
        return tree

    def tree(self, index: int) -> Any:
        """Frame `index` as a tree: its full frame with the deltas up to it applied (from the
        frame last asked for, when that is on the way: stepping forward costs one delta)."""
        ref = self.frames[index]
        cached = self._cache
        if cached is not None and self.frames[cached[0]].base == ref.base and cached[0] <= index:
            at, tree = cached
        else:
            at, tree = ref.base, self._payload(self.frames[ref.base])
        for i in range(at + 1, index + 1):
            patch = self._payload(self.frames[i])
            if patch is not None:
                tree = apply(tree, patch)
        self._cache = (index, tree)
        return tree

    def event_trees(self, until: float | None = None) -> list[tuple[float, Any]]:
        """The events recorded (orders looked up, actions taken), up to unix time `until`."""
        return [
            (e.at, unpack(self.data[e.offset : e.offset + e.length]))
            for e in self.events
            if until is None or e.at <= until
        ]
