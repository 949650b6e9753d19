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
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, replace
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


def _key(finding: Finding) -> tuple[str, str, tuple[Target, ...]]:
    # one rule finds one thing per subject, or one per pod of it (memory near its limit): a
    # finding is the last frame's same rule, subject and pods, whatever its place in the list
    return (finding.id, finding.subject, finding.objects)


# Built anew for each frame, one item per thing: each item shares what it can with the last
# frame's item of the same key (whatever its place in the list), below.
ITEMS: dict[str, Callable[[Any], Hashable]] = {
    "sources": operator.attrgetter("name"),
    "findings": _key,
    # a page is its alert's: the finding that explains it moves with that finding's wording
    "pages": lambda match: match.alert.fingerprint,
}


@dataclass
class _Items:
    """A list's items as the last frame wrote them: each item, as orjson writes it out, and
    its tree."""

    values: tuple[Any, ...] = ()
    written: list[bytes] = field(default_factory=list)
    trees: list[Tree] = field(default_factory=list)


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
        self._items: dict[str, _Items] = {name: _Items() for name in ITEMS}
        self._written: dict[str, bytes] = {}  # what _whole_like last saw, as orjson wrote it

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
            if name in ITEMS:
                tree[name] = self._items_like(name, value)
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
                "findings": self._items_like("findings", findings),
                "pages": self._items_like("pages", pages),
                "cleared": self._whole_like("cleared", cleared),
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

    @staticmethod
    def _write(value: object) -> bytes:
        """`value` as orjson writes it out, in C: faster than two values are compared field by
        field, and equal bytes are equal values (b"" when orjson cannot write it)."""
        try:
            return orjson.dumps(value)
        except TypeError:
            return b""

    def _whole_like(self, name: str, value: object) -> Tree:
        """A value built anew for each frame and most often equal to the last frame's, whole
        (the findings lately cleared)."""
        written, cached = self._write(value), self._cache.get(name)
        if written and cached is not None and written == self._written.get(name):
            return cached[2]
        self._written[name] = written
        return self._like(name, value, value)

    def _items_like(self, name: str, values: tuple[Any, ...]) -> Tree:
        """The items are built anew for each frame, most equal to the last frame's in the
        same place, or to the one with the same key but for a number that moved: each shares
        what it can of that one's tree. Encoding the findings was most of a frame's cost, and
        the delta against the same tree is found at once."""
        last, key = self._items[name], ITEMS[name]
        was, was_written, trees = last.values, last.written, last.trees
        try:  # one C loop: with 10k pods, thousands of findings
            written = list(map(orjson.dumps, values))
        except TypeError:
            written = list(map(self._write, values))
        by_key: dict[Hashable, tuple[Any, Tree]] | None = None
        out: list[Tree] = []
        for i, value in enumerate(values):
            if i < len(was):
                if written[i] == was_written[i] if written[i] else value == was[i]:
                    out.append(trees[i])
                    continue
                if key(value) == key(was[i]):  # in its place, a number moved
                    out.append(self.codec.encode_like(value, was[i], trees[i]))
                    continue
            if by_key is None:
                by_key = {key(v): (v, t) for v, t in zip(was, trees, strict=True)}
            seen = by_key.get(key(value))
            if seen is None:
                out.append(self.codec.encode(value))
            else:
                out.append(self.codec.encode_like(value, seen[0], seen[1]))
        if len(out) == len(trees) and all(map(operator.is_, out, trees)):
            return trees  # the very list of the last frame: the delta passes it at once
        self._items[name] = _Items(values, written, out)
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
