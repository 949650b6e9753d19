"""What one frame of a recording holds, and how it is made from (and back into) the facade's
own values.

A frame records what the snapshot builder was fed (SnapshotInputs: each source's latest value
and health), so a replay recomputes the findings with the analysis of the console that replays
it. Beside them, the findings, pages and recently cleared findings as the recording console
built them, for `--as-recorded` and for the comparison of a new rule with past incidents.

Before anything is encoded: pg_stat_activity's query text is dropped (it can hold literals
such as passwords that no pattern recognises), log tails are kept for the adapters' pods only
and cut to their newest lines, and every string goes through the redaction every other output
uses (the codec's)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from oc_console.domain.alerts import AlertMatch
from oc_console.domain.findings import Finding
from oc_console.domain.kube import FleetSnapshot
from oc_console.recording.codec import Codec, CodecError, Tree, type_name
from oc_console.recording.format import RecordingError
from oc_console.services.snapshot_builder import SnapshotInputs

LOG_LINES_KEPT = 50  # per adapter pod's tail: the Logs screen's first page, not its history
# Fields encoded once per new value: a poller hands back the same object while nothing changed.
CACHED = ("fleet", "metrics", "database", "recent_orders", "alerts", "tls")


@dataclass(frozen=True)
class RecordedFrame:
    inputs: SnapshotInputs
    findings: tuple[Finding, ...]  # as the recording console built them
    pages: tuple[AlertMatch, ...]
    cleared: tuple[tuple[Finding, datetime], ...]  # seen lately, gone now (for pages)

    @property
    def at(self) -> datetime:
        return self.inputs.now


def _bounded_fleet(fleet: FleetSnapshot) -> FleetSnapshot:
    logs = tuple(
        replace(t, lines=t.lines[-LOG_LINES_KEPT:]) for t in fleet.logs if t.platform is not None
    )
    return replace(fleet, logs=logs)


def recordable(name: str, value: Any) -> Any:
    """A SnapshotInputs field as it may be written."""
    if value is None:
        return None
    if name == "database":
        return value.without_queries()
    if name == "fleet":
        return _bounded_fleet(value)
    return value


class FrameCodec:
    def __init__(self) -> None:
        self.codec = Codec(extra=(SnapshotInputs,))
        self._inputs_name = type_name(SnapshotInputs)
        self._cache: dict[str, tuple[object, Tree]] = {}

    def encode(
        self,
        inputs: SnapshotInputs,
        findings: tuple[Finding, ...],
        pages: tuple[AlertMatch, ...],
        cleared: list[tuple[Finding, datetime]],
    ) -> Tree:
        tree: dict[str, Tree] = {"@": self._inputs_name}
        for f in fields(SnapshotInputs):
            value = getattr(inputs, f.name)
            if f.name in CACHED:
                cached = self._cache.get(f.name)
                if cached is not None and cached[0] is value:
                    tree[f.name] = cached[1]
                    continue
                tree[f.name] = self.codec.encode(recordable(f.name, value))
                self._cache[f.name] = (value, tree[f.name])
            else:
                tree[f.name] = self.codec.encode(value)
        tree["include_queries"] = False  # the text was dropped above, whatever was shown
        recorded = {
            "findings": self.codec.encode(findings),
            "pages": self.codec.encode(pages),
            "cleared": [[self.codec.encode(f), self.codec.encode(at)] for f, at in cleared],
        }
        return {"inputs": tree, "recorded": recorded}

    def decode(self, tree: Tree) -> RecordedFrame:
        try:
            inputs = self.codec.decode(tree["inputs"])
            recorded = tree["recorded"]
            findings = self.codec.decode(recorded["findings"])
            pages = self.codec.decode(recorded["pages"])
            cleared = tuple((f, at) for f, at in self.codec.decode(recorded["cleared"]))
        except (CodecError, KeyError, TypeError, ValueError) as exc:
            raise RecordingError(f"a frame does not decode: {exc}".splitlines()[0]) from None
        if not isinstance(inputs, SnapshotInputs) or not isinstance(inputs.now, datetime):
            raise RecordingError("a frame does not decode: it holds no snapshot inputs")
        return RecordedFrame(inputs, findings, pages, cleared)

    def decode_findings(self, tree: Tree) -> tuple[Finding, ...]:
        """Only the findings as recorded: cheap, for scanning a recording."""
        try:
            found = self.codec.decode(tree["recorded"]["findings"])
        except (CodecError, KeyError, TypeError) as exc:
            raise RecordingError(f"a frame does not decode: {exc}".splitlines()[0]) from None
        return tuple(found)
