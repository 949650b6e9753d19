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

import operator
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import orjson

from oc_console.domain.alerts import AlertMatch
from oc_console.domain.findings import Finding, Target
from oc_console.domain.kube import FleetSnapshot, PodLogTail
from oc_console.recording.codec import Codec, CodecError, Tree, type_name
from oc_console.recording.format import RecordingError
from oc_console.services.recording_pool import PoolEncoder, resolve_ages
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
INPUT_FIELDS = tuple(f.name for f in fields(SnapshotInputs))
_FindingKey = tuple[str, str, tuple[Target, ...]]


def _key(finding: Finding) -> _FindingKey:
    # one rule finds one thing per subject, or one per pod of it (memory near its limit): a
    # finding is the last frame's same rule, subject and pods, whatever its place in the list
    return (finding.id, finding.subject, finding.objects)


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
    """A SnapshotInputs field as it may be written (the database's query text is dropped by
    its own encoder, PoolEncoder)."""
    if value is None:
        return None
    if name == "fleet":
        return replace(value, logs=bounded_logs(value))
    return value


class FrameCodec:
    def __init__(self) -> None:
        self.codec = Codec(extra=(SnapshotInputs,))
        self._inputs_name = type_name(SnapshotInputs)
        self._pool = PoolEncoder(self.codec)
        # each field's last value, as given and as recorded, and its tree
        self._cache: dict[str, tuple[object, object, Tree]] = {}
        self._taken: dict[str, datetime] = {}
        self._logs: tuple[tuple[PodLogTail, ...], datetime] | None = None
        # the last frame's findings, as orjson writes them out, and their trees
        self._last_findings: tuple[tuple[Finding, ...], list[bytes], list[Tree]] = ((), [], [])

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
        for name in INPUT_FIELDS:
            value = getattr(inputs, name)
            cached = self._cache.get(name)
            if cached is not None and cached[0] is value:  # most fields, most frames
                tree[name] = cached[2]
                continue
            recorded = value
            if name in CACHED:
                if cached is not None and self._slow(name, inputs.now):
                    tree[name] = cached[2]
                    continue
                self._taken[name] = inputs.now
                recorded = recordable(name, value)
                if name == "fleet" and recorded is not None:
                    recorded = self._slow_logs(recorded, inputs.now)
                if name == "database" and recorded is not None:
                    tree[name] = self._pool.encode(recorded)
                    self._cache[name] = (value, recorded, tree[name])
                    continue
            tree[name] = self._like(name, value, recorded)
        tree["include_queries"] = False  # the text was dropped above, whatever was shown
        return {
            "inputs": tree,
            "recorded": {
                "findings": self._findings(findings),
                "pages": self._like("pages", pages, pages),
                "cleared": self._like("cleared", cleared, cleared),
            },
        }

    def _like(self, name: str, value: object, recorded: object) -> Tree:
        """`recorded` encoded, sharing what it has in common with the last frame's (see
        Codec.encode_like): a source read again is mostly what it was."""
        cached = self._cache.get(name)
        if cached is None:
            tree = self.codec.encode(recorded)
        else:
            tree = self.codec.encode_like(recorded, cached[1], cached[2])
        self._cache[name] = (value, recorded, tree)
        return tree

    def _findings(self, findings: tuple[Finding, ...]) -> Tree:
        """The findings are built anew for each frame, most equal to the last frame's in the
        same place, or to the one with the same rule, subject and pods but for a number that
        moved: each shares what it can of that one's tree. Encoding them was most of a frame's
        cost, and the delta against the same tree is found at once."""
        was, was_bytes, trees = self._last_findings
        try:  # orjson writes a finding out in C faster than two are compared field by field
            now_bytes = list(map(orjson.dumps, findings))
        except TypeError:
            now_bytes = [b""] * len(findings)  # compared as they are, below
        by_key: dict[_FindingKey, tuple[Finding, Tree]] | None = None
        out: list[Tree] = []
        for i, finding in enumerate(findings):
            if i < len(was):
                if now_bytes[i] == was_bytes[i] if now_bytes[i] else finding == was[i]:
                    out.append(trees[i])
                    continue
                if _key(finding) == _key(was[i]):  # in its place, a number moved
                    out.append(self.codec.encode_like(finding, was[i], trees[i]))
                    continue
            if by_key is None:
                by_key = {_key(f): (f, t) for f, t in zip(was, trees, strict=True)}
            seen = by_key.get(_key(finding))
            if seen is None:
                out.append(self.codec.encode(finding))
            else:
                out.append(self.codec.encode_like(finding, seen[0], seen[1]))
        if len(out) == len(trees) and all(map(operator.is_, out, trees)):
            return trees  # the very list of the last frame: the delta passes it at once
        self._last_findings = (findings, now_bytes, out)
        return out

    def decode(self, tree: Tree) -> RecordedFrame:
        try:
            inputs_tree = tree["inputs"]
            if isinstance(inputs_tree, dict) and "database" in inputs_tree:
                inputs_tree = {**inputs_tree, "database": resolve_ages(inputs_tree["database"])}
            inputs = self.codec.decode(inputs_tree)
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
