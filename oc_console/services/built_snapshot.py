"""A snapshot kept with what it was built from: the inputs and the findings that the console's
memory said had cleared. The facade keeps the last one it built, so the recorder writes the
snapshot the screens were shown instead of building the same one again (the build is most of
a refresh's cost)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from oc_console.config import Config
from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.services.snapshot_builder import ClearedMemory, SnapshotInputs, build_snapshot

# The sources' values: a poller hands back the same object while nothing changed, so these are
# told apart by identity (comparing a fleet by value would cost about what a build does).
BY_IDENTITY = frozenset(("fleet", "metrics", "database", "recent_orders", "alerts", "tls"))


class _Capture:
    """The target's memory, read through: keeps what the snapshot was told had cleared."""

    def __init__(self, memory: ClearedMemory) -> None:
        self.memory = memory
        self.last: list[tuple[Finding, datetime]] = []

    def cleared(self, findings: list[Finding], now: datetime) -> list[tuple[Finding, datetime]]:
        self.last = self.memory.cleared(findings, now)
        return self.last


@dataclass(frozen=True)
class Built:
    inputs: SnapshotInputs
    snapshot: ConsoleSnapshot
    cleared: tuple[tuple[Finding, datetime], ...]  # seen lately, gone at `inputs.now`

    def from_same(self, inputs: SnapshotInputs) -> bool:
        """Whether `inputs` hold the very values this was built from (its time aside)."""
        for f in fields(SnapshotInputs):
            if f.name == "now":
                continue
            old, new = getattr(self.inputs, f.name), getattr(inputs, f.name)
            if old is not new and (f.name in BY_IDENTITY or old != new):
                return False
        return True


def build_kept(inputs: SnapshotInputs, config: Config, memory: ClearedMemory) -> Built:
    capture = _Capture(memory)
    snapshot = build_snapshot(inputs, config, capture)
    return Built(inputs, snapshot, tuple(capture.last))
