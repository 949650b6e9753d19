"""What the console remembers over time: signals as bounded series (pool saturation, the 5xx
share; what the Changes screen draws), and when each finding was last seen.

A shift is twelve hours: every store here has a bound in entries, and a series keeps its points
as two arrays of doubles (16 bytes a point), not an object per point. Recording a point costs
the same with ten points held as with the whole bound."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from oc_console.analysis.alerts import RESOLVING_WINDOW
from oc_console.domain.findings import Finding

POINT_SECONDS = 30  # one point per bucket: the latest read in it
HISTORY_SECONDS = 6 * 3600  # what the Changes screen's widest window shows
SERIES_POINTS = HISTORY_SECONDS // POINT_SECONDS
MAX_REMEMBERED_FINDINGS = 4096  # a finding per pod of a big cluster, and then some


class Series:
    """(unix seconds, value) points in a ring of `capacity`, one per `bucket` seconds."""

    def __init__(self, capacity: int = SERIES_POINTS, bucket: float = POINT_SECONDS) -> None:
        if capacity < 1:
            raise ValueError("a series holds at least one point")
        self.capacity = capacity
        self.bucket = bucket
        self._times = array("d", bytes(8 * capacity))
        self._values = array("d", bytes(8 * capacity))
        self._start = 0  # index of the oldest point
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _index(self, i: int) -> int:
        return (self._start + i) % self.capacity

    def record(self, at: float, value: float) -> None:
        """A point at `at`; one already in the same bucket is replaced (the latest read wins)."""
        if self._size and self._times[self._index(self._size - 1)] // self.bucket == (
            at // self.bucket
        ):
            last = self._index(self._size - 1)
            self._times[last], self._values[last] = at, value
            return
        if self._size < self.capacity:
            end = self._index(self._size)
            self._size += 1
        else:  # full: the oldest point makes room
            end = self._start
            self._start = (self._start + 1) % self.capacity
        self._times[end], self._values[end] = at, value

    def __iter__(self) -> Iterator[tuple[float, float]]:
        for i in range(self._size):
            j = self._index(i)
            yield self._times[j], self._values[j]

    def points(self) -> tuple[tuple[float, float], ...]:
        """Oldest first, as the snapshot carries them."""
        return tuple(self)

    @property
    def nbytes(self) -> int:
        return self._times.itemsize * (len(self._times) + len(self._values))


class HistoryStore:
    """The named series of one target. A name is registered once, with its bound."""

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}

    def series(self, name: str, capacity: int = SERIES_POINTS) -> Series:
        found = self._series.get(name)
        if found is None:
            found = self._series[name] = Series(capacity)
        return found

    def record(self, name: str, at: float, value: float) -> None:
        self.series(name).record(at, value)

    def points(self, name: str) -> tuple[tuple[float, float], ...]:
        found = self._series.get(name)
        return found.points() if found is not None else ()

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._series.values())


class SeenFindings:
    """When each finding was last seen, so a page whose finding just cleared reads
    "resolving", not "unexplained", while Alertmanager catches up. `remember` is the
    after-read step; `cleared` only reads, so a snapshot can be built any number of times."""

    def __init__(
        self, window: timedelta = RESOLVING_WINDOW, limit: int = MAX_REMEMBERED_FINDINGS
    ) -> None:
        self.window = window
        self.limit = limit
        self._seen: dict[tuple[str, str], tuple[Finding, datetime]] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, findings: Iterable[Finding], now: datetime) -> None:
        for f in findings:
            key = (f.id, f.subject)
            self._seen.pop(key, None)  # re-inserted: the dict stays oldest-seen first
            self._seen[key] = (f, now)
        # oldest first, so pruning stops at the first entry still inside the window
        while self._seen:
            key, (_, at) = next(iter(self._seen.items()))
            if now - at <= self.window and len(self._seen) <= self.limit:
                break
            del self._seen[key]

    def cleared(self, findings: Iterable[Finding], now: datetime) -> list[tuple[Finding, datetime]]:
        """The remembered findings not among `findings`, seen within the window."""
        current = {(f.id, f.subject) for f in findings}
        return [
            (f, at)
            for key, (f, at) in self._seen.items()
            if key not in current and now - at <= self.window
        ]
