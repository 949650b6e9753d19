"""The replay's position in a recording and the snapshots it shows there.

A snapshot in a replay is built by the same pure builder as a live one, from the recorded
inputs, with the analysis of this console (a rule changed since is tried on the past
incident), or, `as_recorded`, with the findings and pages the recording console built then.
Moving is stepping a frame, jumping to the next moment the findings change, seeking a time,
or playing: the recorded time runs at `speed` and the frame shown follows it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from oc_console.config import Config
from oc_console.domain.findings import Finding
from oc_console.domain.replay import ReplayPosition
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import UserError
from oc_console.recording.reader import Recording
from oc_console.services.recording_frames import FrameCodec, RecordedFrame
from oc_console.services.snapshot_builder import build_snapshot

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_OFFSET = re.compile(r"([+-])(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_moment(text: str, start: datetime, end: datetime) -> datetime:
    """A moment of a recording: `03:12` or `03:12:30` (UTC, the first such time from its
    start), an ISO date and time (UTC unless it says), `+10m` from its start, `-5m` before its
    end. UserError, one line, when it is none of these or outside the recording."""
    text = text.strip()
    clock, offset = _CLOCK.fullmatch(text), _OFFSET.fullmatch(text)
    try:
        if clock:
            hour, minute, second = (int(g) if g else 0 for g in clock.groups())
            at = datetime.combine(start.date(), time(hour, minute, second), UTC)
            if at < start.replace(microsecond=0):
                at += timedelta(days=1)
        elif offset:
            sign, number, unit = offset.groups()
            delta = timedelta(seconds=int(number) * _UNIT[unit])
            at = start + delta if sign == "+" else end - delta
        else:
            at = datetime.fromisoformat(text)
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
    except ValueError:
        raise UserError(
            f"not a time: {text!r} (try 03:12, 03:12:30, 2026-12-05T03:12 or +10m)"
        ) from None
    if not start.replace(microsecond=0) <= at <= end:
        raise UserError(
            f"{text} is outside the recording ({start:%Y-%m-%d %H:%M:%S} to "
            f"{end:%Y-%m-%d %H:%M:%S} UTC)"
        )
    return at


class RecordedCleared:
    """The replay's memory of findings seen lately and gone now: the recording's own, less
    the findings the current analysis still makes."""

    def __init__(self, cleared: tuple[tuple[Finding, datetime], ...]) -> None:
        self._cleared = cleared

    def cleared(self, findings: list[Finding], now: datetime) -> list[tuple[Finding, datetime]]:
        current = {(f.id, f.subject) for f in findings}
        return [(f, at) for f, at in self._cleared if (f.id, f.subject) not in current]


class ReplayPlayer:
    def __init__(
        self,
        recording: Recording,
        config: Config,
        *,
        as_recorded: bool = False,
        speed: float = 1.0,
    ) -> None:
        self.recording = recording
        self.config = config
        self.as_recorded = as_recorded
        self.speed = speed
        self.index = 0
        self.playing = False
        self._play_at = recording.start
        self.frames = FrameCodec()
        self._frame: tuple[int, RecordedFrame] | None = None
        self._keys: dict[int, frozenset[tuple[str, str]]] = {}
        self.listeners: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self.recording)

    @property
    def at(self) -> datetime:
        return self.recording.frames[self.index].time

    def frame(self, index: int | None = None) -> RecordedFrame:
        index = self.index if index is None else index
        if self._frame is None or self._frame[0] != index:
            self._frame = (index, self.frames.decode(self.recording.tree(index)))
        return self._frame[1]

    def snapshot(self, index: int | None = None) -> ConsoleSnapshot:
        frame = self.frame(index)
        snap = build_snapshot(frame.inputs, self.config, RecordedCleared(frame.cleared))
        if self.as_recorded:
            snap = replace(snap, findings=frame.findings, pages=frame.pages)
        return replace(snap, read_only=True, replay=self.position())

    def position(self) -> ReplayPosition:
        return ReplayPosition(
            at=self.at,
            frame=self.index,
            frames=len(self),
            playing=self.playing,
            speed=self.speed,
            as_recorded=self.as_recorded,
            note=self.recording.damaged,
        )

    # --- moving ---------------------------------------------------------------------------
    def _moved(self, index: int) -> bool:
        index = max(0, min(len(self) - 1, index))
        if index == self.index:
            return False
        self.index = index
        for listener in list(self.listeners):
            listener()
        return True

    def step(self, frames: int) -> bool:
        return self._moved(self.index + frames)

    def seek(self, at: datetime) -> bool:
        return self._moved(self.recording.index_at(at))

    def seek_text(self, text: str) -> datetime:
        """`t`: a time as a person types it (see parse_moment)."""
        at = parse_moment(text, self.recording.start, self.recording.end)
        self.seek(at)
        return at

    def finding_keys(self, index: int) -> frozenset[tuple[str, str]]:
        """Which findings (rule, subject) the frame shows, in this replay's mode."""
        keys = self._keys.get(index)
        if keys is None:
            if self.as_recorded:
                found = self.frames.decode_findings(self.recording.tree(index))
            else:
                found = self.snapshot(index).findings
            keys = self._keys[index] = frozenset((f.id, f.subject) for f in found)
        return keys

    def change_index(self, direction: int) -> int | None:
        """The nearest frame, back or forward, where a finding appears or clears (back: where
        that state began, not its last frame); None when there is none."""
        here = self.finding_keys(self.index)
        index = self.index + direction
        while 0 <= index < len(self):
            there = self.finding_keys(index)
            if there != here:
                while direction < 0 and index > 0 and self.finding_keys(index - 1) == there:
                    index -= 1
                return index
            index += direction
        return None

    def next_change(self, direction: int) -> bool:
        """`{` `}`."""
        index = self.change_index(direction)
        return index is not None and self._moved(index)

    def go(self, index: int) -> bool:
        return self._moved(index)

    def toggle(self) -> bool:
        """`space`: play from the frame shown, or pause; at the end, play starts over."""
        self.playing = not self.playing
        if self.playing:
            if self.index >= len(self) - 1:
                self._moved(0)
            self._play_at = self.at
        for listener in list(self.listeners):
            listener()
        return self.playing

    def advance(self, seconds: float) -> bool:
        """Playing: the recorded time moves on `seconds * speed` and the frame follows it; at
        the end it stops."""
        if not self.playing:
            return False
        self._play_at = max(self._play_at, self.at) + timedelta(seconds=seconds * self.speed)
        index = self.recording.index_at(self._play_at)
        if index >= len(self) - 1:
            self.playing = False
            index = len(self) - 1
            if index == self.index:  # the header must say it stopped
                for listener in list(self.listeners):
                    listener()
        return self._moved(index)
