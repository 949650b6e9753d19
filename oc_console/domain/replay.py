"""Where a replay stands: the header of every screen says REPLAY, the recorded time and speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReplayPosition:
    at: datetime  # the recorded time of the frame shown
    frame: int  # 0-based
    frames: int
    playing: bool
    speed: float  # recorded seconds per second while playing
    as_recorded: bool  # findings as the recording console built them, not recomputed
    note: str | None = None  # where a cut-short file stops

    @property
    def label(self) -> str:
        state = f"▶ x{self.speed:g}" if self.playing else f"paused x{self.speed:g}"
        mode = " as recorded" if self.as_recorded else ""
        return f"REPLAY {self.at:%Y-%m-%d %H:%M:%S}Z {state} {self.frame + 1}/{self.frames}{mode}"
