"""A snapshot kept with what it was built from: the inputs and the findings that the console's
memory said had cleared. The facade keeps the last one it built, so the recorder writes the
snapshot the screens were shown instead of building the same one again (the build is most of
a refresh's cost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oc_console.config import Config
from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.services.snapshot_builder import ClearedMemory, SnapshotInputs, build_snapshot


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


def build_kept(inputs: SnapshotInputs, config: Config, memory: ClearedMemory) -> Built:
    capture = _Capture(memory)
    snapshot = build_snapshot(inputs, config, capture)
    return Built(inputs, snapshot, tuple(capture.last))
