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
from oc_console.domain.kube import FleetSnapshot, PodLogTail
from oc_console.recording.codec import Codec, CodecError, Tree, type_name
from oc_console.recording.format import RecordingError
from oc_console.services.snapshot_builder import SnapshotInputs

LOG_LINES_KEPT = 20  # per adapter pod's tail: what a post-mortem reads, not its history
# Fields encoded once per new value: a poller hands back the same object while nothing changed.
CACHED = ("fleet", "metrics", "database", "recent_orders", "alerts", "tls")
# Metrics are recorded at most once a minute: their histories hold a point a minute, and each
# read re-evaluates every point (a new series each time), which would be most of a recording.
SLOW_SECONDS = {"metrics": 60.0}
# The adapters' log tails are re-read every few seconds, each read a new set of lines: they are
# recorded with each full frame's interval, a post-mortem's sample rather than the log itself.
LOGS_SECONDS = 300.0


@dataclass(frozen=True)
class RecordedFrame:
    inputs: SnapshotInputs
    findings: tuple[Finding, ...]  # as the recording console built them
    pages: tuple[AlertMatch, ...]
    cleared: tuple[tuple[Finding, datetime], ...]  # seen lately, gone now (for pages)

    @property
    def at(self) -> datetime:
        return self.inputs.now


def bounded_logs(fleet: FleetSnapshot) -> tuple[PodLogTail, ...]:
    return tuple(
        replace(t, lines=t.lines[-LOG_LINES_KEPT:]) for t in fleet.logs if t.platform is not None
    )


def recordable(name: str, value: Any) -> Any:
    """A SnapshotInputs field as it may be written."""
    if value is None:
        return None
    if name == "database":
        return value.without_queries()
    if name == "fleet":
        return replace(value, logs=bounded_logs(value))
    return value


class FrameCodec:
    def __init__(self) -> None:
        self.codec = Codec(extra=(SnapshotInputs,))
        self._inputs_name = type_name(SnapshotInputs)
        self._cache: dict[str, tuple[object, Tree]] = {}
        self._taken: dict[str, datetime] = {}
        self._logs: tuple[tuple[PodLogTail, ...], datetime] | None = None
        self._last_findings: dict[tuple[str, str], tuple[Finding, Tree]] = {}

    def _slow_logs(self, fleet: FleetSnapshot, now: datetime) -> FleetSnapshot:
        """The fleet with the log tails recorded last, unless those are LOGS_SECONDS old."""
        if self._logs is not None and (now - self._logs[1]).total_seconds() < LOGS_SECONDS:
            return replace(fleet, logs=self._logs[0])
        self._logs = (fleet.logs, now)
        return fleet

    def _slow(self, name: str, now: datetime) -> bool:
        """A slow field recorded less than its interval ago keeps its recorded value."""
        every, taken = SLOW_SECONDS.get(name), self._taken.get(name)
        return every is not None and taken is not None and (now - taken).total_seconds() < every

    def encode(
        self,
        inputs: SnapshotInputs,
        findings: tuple[Finding, ...],
        pages: tuple[AlertMatch, ...],
        cleared: tuple[tuple[Finding, datetime], ...],
    ) -> Tree:
        tree: dict[str, Tree] = {"@": self._inputs_name}
        for f in fields(SnapshotInputs):
            value = getattr(inputs, f.name)
            if f.name in CACHED:
                cached = self._cache.get(f.name)
                if cached is not None and (cached[0] is value or self._slow(f.name, inputs.now)):
                    tree[f.name] = cached[1]
                    continue
                recorded = recordable(f.name, value)
                if f.name == "fleet" and recorded is not None:
                    recorded = self._slow_logs(recorded, inputs.now)
                tree[f.name] = self.codec.encode(recorded)
                self._cache[f.name] = (value, tree[f.name])
                self._taken[f.name] = inputs.now
            else:
                tree[f.name] = self.codec.encode(value)
        tree["include_queries"] = False  # the text was dropped above, whatever was shown
        recorded = {
            "findings": self._findings(findings),
            "pages": self._unless_equal("pages", pages),
            "cleared": self._unless_equal("cleared", cleared),
        }
        return {"inputs": tree, "recorded": recorded}

    def _findings(self, findings: tuple[Finding, ...]) -> Tree:
        """The findings are built anew for each frame, most equal to the last frame's (one
        whose numbers moved is not): an equal finding reuses its last tree. Encoding them was
        most of a frame's cost, and the delta against the same tree is found at once."""
        last, self._last_findings = self._last_findings, {}
        out: list[Tree] = []
        for finding in findings:
            key = (finding.id, finding.subject)
            seen = last.get(key)
            tree = seen[1] if seen is not None and seen[0] == finding else None
            if tree is None:
                tree = self.codec.encode(finding)
            self._last_findings[key] = (finding, tree)
            out.append(tree)
        return out

    def _unless_equal(self, name: str, value: tuple[Any, ...]) -> Tree:
        """Pages and cleared findings: the last tree again for an equal value, as above."""
        cached = self._cache.get(name)
        if cached is not None and cached[0] == value:
            return cached[1]
        tree = self.codec.encode(value)
        self._cache[name] = (value, tree)
        return tree

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
