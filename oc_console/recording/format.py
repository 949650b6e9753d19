"""The recording file format (docs/recording.md says the same for a person).

    file    = MAGIC record*
    record  = kind:1 length:u32 crc32:u32 time:f64 payload[length]   (big-endian)
    payload = zstd(orjson(tree))

The first record is the header (kind H), then frames: F a full frame, D a delta against the
last full frame before it (so any frame is one full frame and at most one delta away: seeking
costs two decodes however long the recording), and E an event (an order looked up, an action
taken). `time` is the frame's unix time, readable without decompressing, so a reader indexes a
file by reading the 17-byte record heads only.

Each record is written whole with one write, and carries its own length and checksum: a crash
mid-write leaves a last record that is short or fails its checksum, and a reader replays up to
the record before it."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import orjson
import zstandard

from oc_console.errors import UserError

MAGIC = b"\x89OCREC\r\n\x1a\n"  # PNG's trick: a file mangled as text no longer matches
FORMAT = "oc-console-recording"
# 2: a pool's session rows hold their ages relative to the pool's oldest (recording_pool.py)
SCHEMA_VERSION = 2
HEAD = struct.Struct(">cIId")
HEADER, FULL, DELTA, EVENT = b"H", b"F", b"D", b"E"
KINDS = frozenset({HEADER, FULL, DELTA, EVENT})
# A header or frame bigger than this is a corrupt length, not a frame: a 10k-pod full frame
# compresses to a few MB.
MAX_RECORD_BYTES = 256 * 1024 * 1024
# A decompressed payload bigger than this is refused (a zstd bomb in a crafted file).
MAX_TREE_BYTES = 1024 * 1024 * 1024
ZSTD_LEVEL = 3  # the library's default: most of the ratio of level 19 at a fraction of the CPU


class RecordingError(UserError):
    """A recording that cannot be read or written: one line naming the file and why."""


_compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)


def pack(kind: bytes, at: float, tree: Any) -> bytes:
    """One whole record, ready for a single write."""
    payload = _compressor.compress(orjson.dumps(tree))
    return HEAD.pack(kind, len(payload), zlib.crc32(payload), at) + payload


def unpack(payload: bytes) -> Any:
    """The tree of a payload whose checksum was verified; RecordingError when it is not
    zstd-compressed JSON."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=MAX_TREE_BYTES)
        return orjson.loads(raw)
    except (zstandard.ZstdError, orjson.JSONDecodeError) as exc:
        raise RecordingError(f"a frame does not decompress: {exc}".splitlines()[0]) from None


def header_tree(
    *,
    console_version: str,
    context: str,
    namespaces: tuple[str, ...],
    sources: tuple[str, ...],
    full_every: float,
    created_at: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "schema": SCHEMA_VERSION,
        "console_version": console_version,
        "created_at": created_at,
        "context": context,
        "namespaces": list(namespaces),
        "sources": list(sources),
        "full_every_seconds": full_every,
    }


def console_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oc-console")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"
