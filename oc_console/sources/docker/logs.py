"""A container's log from the Engine: the multiplexed stream (no TTY) or raw text (a TTY),
cut at a byte limit, parsed with the same OpenClaw convention as a pod's log."""

from __future__ import annotations

import struct

from oc_console.domain.kube import LogLine
from oc_console.sources.kube.logs import parse_log_line

# Each frame of a non-TTY log: stream byte (1 stdout, 2 stderr), 3 zero bytes, big-endian size.
_HEADER = struct.Struct(">BxxxI")
TAIL_LIMIT_BYTES = 2 * 1024 * 1024  # a tail never holds more than this, whatever the lines


def demultiplex(data: bytes) -> bytes:
    """The payload of every frame, in order; raw bytes when the log is not framed (TTY)."""
    if not data or data[0] not in (0, 1, 2) or data[1:4] != b"\0\0\0":
        return data
    out, pos = bytearray(), 0
    while pos + _HEADER.size <= len(data):
        stream, size = _HEADER.unpack_from(data, pos)
        if stream not in (0, 1, 2):  # not a frame after all: keep the rest as it is
            out += data[pos:]
            break
        pos += _HEADER.size
        out += data[pos : pos + size]
        pos += size
    return bytes(out)


def parse_log(data: bytes, *, limit: int = TAIL_LIMIT_BYTES) -> tuple[LogLine, ...]:
    """The lines of a log answer, the newest `limit` bytes of it."""
    text = demultiplex(data)
    if len(text) > limit:
        text = text[-limit:]
        text = text[text.find(b"\n") + 1 :]  # never a half line at the top
    return tuple(parse_log_line(line) for line in text.splitlines() if line.strip())
