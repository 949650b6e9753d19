"""The recording codec: every domain type survives the trip to a file and back, every string is
redacted on the way, and a file naming a type that is not registered is refused."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

import orjson
import pytest

from oc_console.domain.findings import Finding, Severity, Target
from oc_console.recording.codec import Codec, CodecError, domain_types
from oc_console.recording.delta import apply, diff
from oc_console.services.snapshot_builder import SnapshotInputs

AT = datetime(2026, 12, 5, 3, 12, 5, 250000, tzinfo=UTC)


def sample(hint: Any, depth: int = 0) -> Any:
    """A value of the annotated type, with no field left at a falsy default where avoidable."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in args if a is not type(None)), depth)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return (sample(args[0], depth + 1),) if depth < 4 else ()
        return tuple(sample(a, depth + 1) for a in args)
    if hint is str:
        return "openclaw/adapter-amazon"
    if hint is bool:
        return True
    if hint is int:
        return 7
    if hint is float:
        return 2.5
    if hint is datetime:
        return AT
    if hint is timedelta:
        return timedelta(hours=336)
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return list(hint)[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return instance(hint, depth + 1)
    raise AssertionError(f"no sample for {hint!r}")


def instance(cls: type, depth: int = 0) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: sample(hints[f.name], depth) for f in dataclasses.fields(cls) if f.init}
    return cls(**kwargs)


def trip(codec: Codec, value: Any) -> Any:
    return codec.decode(orjson.loads(orjson.dumps(codec.encode(value))))


DATACLASSES = [t for t in domain_types() if dataclasses.is_dataclass(t)]


@pytest.mark.parametrize("cls", DATACLASSES, ids=lambda c: c.__name__)
def test_every_domain_type_round_trips(cls: type) -> None:
    codec = Codec()
    try:
        value = instance(cls)
    except ValueError:  # a type that validates its strings (metric names): its defaults
        value = cls()
    assert trip(codec, value) == value


def test_the_snapshot_inputs_round_trip_with_defaults_left_out() -> None:
    codec = Codec(extra=(SnapshotInputs,))
    value = instance(SnapshotInputs)
    assert trip(codec, value) == value
    bare = SnapshotInputs(now=AT, context_label=None, sources=())
    assert set(codec.encode(bare)) == {"@", "now", "context_label", "sources"}
    assert trip(codec, bare) == bare


def test_enums_datetimes_and_floats_json_cannot_hold() -> None:
    codec = Codec()
    naive = datetime(2026, 1, 1, 12, 0)
    for value in (Severity.CRITICAL, AT, naive, timedelta(seconds=1.5), math.inf, -math.inf):
        back = trip(codec, value)
        assert back == value and type(back) is type(value)
    assert math.isnan(trip(codec, math.nan))


def test_every_string_is_redacted_before_it_is_written() -> None:
    codec = Codec()
    finding = Finding(
        "pool-saturation",
        Severity.WARNING,
        "postgres",
        "cannot connect to postgresql://oc:hunter2-secret@db:5432/openclaw",
        evidence=("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def",),
    )
    text = orjson.dumps(codec.encode(finding)).decode()
    assert "hunter2-secret" not in text and "eyJhbGciOiJIUzI1NiJ9" not in text
    assert "postgresql://oc:***@db:5432" in text


@pytest.mark.parametrize(
    "tree",
    [
        {"@": "os.system", "command": "rm -rf /"},
        {"@e": "findings.Nope", "v": 1},
        {"@": "findings.Finding", "id": "x"},  # required fields missing
        {"@": "findings.Finding", "id": "x", "severity": {"@e": "findings.Severity", "v": 9}},
        {"@dt": 12},
        {"@f": "1.0"},
        {"no": "type"},
        [[[[[]]]]] * 3 + [{"@": 1}],
    ],
)
def test_a_tree_naming_anything_else_is_refused_in_one_line(tree: Any) -> None:
    with pytest.raises(CodecError) as caught:
        Codec().decode(tree)
    assert "\n" not in str(caught.value)


def test_deltas_patch_to_the_new_tree_and_leave_the_base_alone() -> None:
    codec = Codec()
    old = codec.encode(instance(Finding))
    new_value = dataclasses.replace(instance(Finding), summary="cleared", evidence=("a", "b"))
    new = codec.encode(new_value)
    frozen = orjson.dumps(old)
    patch = diff(old, new)
    assert patch is not None and apply(old, patch) == new
    assert orjson.dumps(old) == frozen
    assert diff(new, new) is None
    # a list with one item changed is patched by index, not sent whole
    rows = [{"n": i} for i in range(10)]
    changed = [*rows[:3], {"n": 99}, *rows[4:]]
    assert diff(rows, changed) == {"@i": [[3, {"@~": {"n": {"@=": 99}}}]]}
    assert apply(rows, diff(rows, changed)) == changed
    assert diff({"a": 1, "b": 2}, {"a": 1}) == {"@~": {}, "@-": ["b"]}
    assert diff(1, True) == {"@=": True}


def test_encoding_like_the_last_value_shares_what_did_not_change() -> None:
    codec = Codec()
    pods = tuple(Target.pod("openclaw", f"adapter-{i}") for i in range(5))
    old = dataclasses.replace(instance(Finding), objects=pods)
    old_tree = codec.encode(old)
    # equal, though built anew: the very same tree, which a delta passes at once
    assert codec.encode_like(dataclasses.replace(old), old, old_tree) is old_tree
    moved = dataclasses.replace(old, hurts_in=99.0, objects=(*pods[1:], Target.pod("o", "new")))
    tree = codec.encode_like(moved, old, old_tree)
    assert tree == codec.encode(moved)
    assert tree["evidence"] is old_tree["evidence"] and tree["target"] is old_tree["target"]
    # a window slid by one: its items are the old ones one along
    assert all(tree["objects"][i] is old_tree["objects"][i + 1] for i in range(4))
    assert trip(codec, moved) == codec.decode(orjson.loads(orjson.dumps(tree)))
    # a field back at its default is left out, as encode leaves it out
    bare = dataclasses.replace(old, runbook=None)
    assert codec.encode_like(bare, old, old_tree) == codec.encode(bare)
    assert "runbook" not in codec.encode_like(bare, old, old_tree)


def test_a_slid_history_is_one_slide_and_a_point_is_sent_whole() -> None:
    old = [[float(t), 0.5] for t in range(60)]
    new = [*old[1:], [60.0, 0.7]]
    assert diff(old, new) == {"@s": 1, "@+": [[60.0, 0.7]]}
    one = [*old[:59], [59.5, 0.5]]  # the newest point re-read: sent whole, not by its index
    assert diff(old, one) == {"@i": [[59, {"@=": [59.5, 0.5]}]]}
    moved = [[t + 0.5, v] for t, v in old]  # every point re-read half a second later
    assert diff(old, moved) == {"@=": moved}
