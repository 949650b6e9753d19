"""The recording file: frames come back as written, a crash mid-frame leaves a file that reads
up to its last whole frame, a file that is no recording (or a newer or older one) is refused
in one line, and the size bound drops the oldest frames first."""

from __future__ import annotations

import os
import random
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from oc_console.recording import reader as reader_module
from oc_console.recording.format import (
    FULL,
    HEAD,
    HEADER,
    MAGIC,
    SCHEMA_VERSION,
    RecordingError,
    header_tree,
    pack,
    unpack,
)
from oc_console.recording.reader import Recording
from oc_console.recording.writer import RecordingWriter

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC).timestamp()


def header(**over: Any) -> dict[str, Any]:
    tree = header_tree(
        console_version="test",
        context="sandbox",
        namespaces=("openclaw",),
        sources=("kubernetes",),
        full_every=10.0,
        created_at="2026-12-05",
    )
    return {**tree, **over}


def fleet(i: int, pods: int = 40) -> dict[str, Any]:
    """A tree like a frame's: many rows, one of which changes per frame."""
    rows = [{"@": "kube.PodRow", "name": f"pod-{n}", "restarts": 0} for n in range(pods)]
    rows[i % pods] = {**rows[i % pods], "restarts": i}
    return {"now": T0 + i, "pods": rows, "tick": i}


def write(path: Path, frames: int, **kwargs: Any) -> RecordingWriter:
    writer = RecordingWriter(path, header(), **{"full_every": 10.0, **kwargs})
    for i in range(frames):
        writer.frame(T0 + i, fleet(i))
    writer.close()
    return writer


def test_frames_read_back_as_written_full_and_delta(tmp_path: Path) -> None:
    path = tmp_path / "r.ocrec"
    write(path, 35)
    rec = Recording(path)
    assert len(rec) == 35 and rec.damaged is None
    assert [f.kind for f in rec.frames[:12]] == [FULL] + [b"D"] * 9 + [FULL, b"D"]
    for i in (0, 1, 9, 10, 34, 3, 20):  # in any order: each is its full frame and one delta
        assert rec.tree(i) == fleet(i)
    assert rec.header["context"] == "sandbox" and rec.schema == SCHEMA_VERSION
    assert rec.index_at(datetime.fromtimestamp(T0 + 12.5, UTC)) == 12
    assert rec.index_at(datetime.fromtimestamp(T0 - 60, UTC)) == 0
    assert rec.index_at(datetime.fromtimestamp(T0 + 999, UTC)) == 34


def test_deltas_are_small_against_their_full_frame(tmp_path: Path) -> None:
    path = tmp_path / "r.ocrec"
    write(path, 10)
    rec = Recording(path)
    full = len(orjson.dumps(rec.tree(0)))
    for ref in rec.frames[1:]:  # two rows and the clock changed, not forty rows
        delta = unpack(rec.data[ref.offset : ref.offset + ref.length])
        assert len(orjson.dumps(delta)) < full / 10


def test_a_crash_mid_frame_reads_up_to_the_last_whole_frame(tmp_path: Path) -> None:
    path = tmp_path / "r.ocrec"
    write(path, 12)
    data = path.read_bytes()
    last = Recording(path).frames[-1]
    start = last.offset - HEAD.size
    for cut in (start + 1, start + HEAD.size, last.offset + last.length // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        rec = Recording(path)
        assert len(rec) == 11 and rec.tree(10) == fleet(10)
        assert rec.damaged is not None and "cut short or corrupt after the frame of" in rec.damaged
    # a flipped byte in a middle frame: the frames before it still read
    broken = bytearray(data)
    middle = Recording(path).frames[5]
    broken[middle.offset + 3] ^= 0xFF
    path.write_bytes(bytes(broken))
    assert len(Recording(path)) == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an oc-console recording"),
        (random.Random(7).randbytes(4096), "not an oc-console recording"),
        (MAGIC + random.Random(8).randbytes(4096), "cut short or corrupt within its header"),
        (MAGIC + b"H\x00", "cut short or corrupt within its header"),
        (MAGIC + pack(HEADER, 0, {"format": "something else"}), "not an oc-console recording"),
        (MAGIC + pack(HEADER, 0, header()), "no complete frame"),
        (MAGIC + pack(HEADER, 0, header()) + b"F\x00\x00", "no complete frame: cut short"),
    ],
)
def test_a_file_that_is_no_recording_is_refused_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.ocrec"
    path.write_bytes(content)
    with pytest.raises(RecordingError) as caught:
        Recording(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "new.ocrec"
    path.write_bytes(MAGIC + pack(HEADER, 0, header(schema=SCHEMA_VERSION + 1)))
    with pytest.raises(RecordingError, match=f"schema {SCHEMA_VERSION + 1} is newer than this "
                       f"console's {SCHEMA_VERSION}"):  # fmt: skip
        Recording(path)


def test_an_older_schema_is_upgraded_when_a_path_exists_else_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.ocrec"
    path.write_bytes(MAGIC + pack(HEADER, 0, header(schema=0)) + pack(FULL, T0, {"old_name": 1}))
    with pytest.raises(RecordingError, match=f"schema 0 is older than this console's "
                       f"{SCHEMA_VERSION} and cannot be upgraded"):  # fmt: skip
        Recording(path)
    monkeypatch.setitem(reader_module.UPGRADES, 0, lambda tree: {"new_name": tree["old_name"]})
    assert Recording(path).tree(0) == {"new_name": 1}


def test_the_size_bound_drops_the_oldest_frames_first(tmp_path: Path) -> None:
    path = tmp_path / "ring.ocrec"
    bound = 64 * 1024
    writer = RecordingWriter(path, header(), max_size=bound, full_every=10.0)
    biggest = 0
    rng = random.Random(3)
    for i in range(400):
        tree = {**fleet(i, pods=60), "noise": rng.randbytes(300).hex()}
        writer.frame(T0 + i, tree)
        biggest = max(biggest, path.stat().st_size)
    writer.close()
    assert writer.evictions > 0
    assert biggest <= bound and os.path.getsize(path) == writer.size
    rec = Recording(path)
    assert rec.damaged is None and rec.frames[0].kind == FULL
    assert rec.times[-1] == T0 + 399 and rec.times[0] > T0  # the newest kept, the oldest gone
    assert rec.tree(len(rec) - 1)["tick"] == 399
    assert not path.with_name("ring.ocrec.tmp").exists()


def test_checksums_cover_each_payload(tmp_path: Path) -> None:
    path = tmp_path / "r.ocrec"
    write(path, 2)
    rec = Recording(path)
    ref = rec.frames[1]
    kind, length, crc, at = HEAD.unpack_from(rec.data, ref.offset - HEAD.size)
    assert (kind, length, at) == (ref.kind, ref.length, T0 + 1)
    assert crc == zlib.crc32(rec.data[ref.offset : ref.offset + ref.length])
