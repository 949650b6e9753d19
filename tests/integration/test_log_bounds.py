"""Followed logs in bounded memory: an over-long line is cut at 64 KB with a visible marker,
and the ring holds at most 16 MB as well as at most 5,000 lines. Read through a real urllib3
response from a local HTTP server, as the log follower reads the kubelet's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from oc_console.sources.kube.client import iter_lines
from oc_console.sources.kube.logs import (
    CUT_MARKER,
    FOLLOW_KEEP_BYTES,
    MAX_LINE_BYTES,
    LogRing,
    parse_log_line,
)

pytestmark = pytest.mark.integration

SMALL = b'{"msg": "ok"}'
BODY = b"\n".join([SMALL, b"x" * (100 * 1024), SMALL, b"y" * (3 * 1024 * 1024), SMALL, b"z" * 10])


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(BODY), 300 * 1024):  # chunks that split the long lines
            part = BODY[start : start + 300 * 1024]
            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/log"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


def test_long_lines_are_cut_with_a_marker(url: str) -> None:
    with urllib3.PoolManager() as http:
        response = http.request("GET", url, preload_content=False)
        lines = list(iter_lines(response, MAX_LINE_BYTES, CUT_MARKER))
        response.release_conn()
    assert lines[0] == SMALL and lines[2] == SMALL and lines[4] == SMALL
    assert lines[5] == b"z" * 10
    for cut, char in ((lines[1], b"x"), (lines[3], b"y")):
        assert cut == char * MAX_LINE_BYTES + CUT_MARKER
    assert parse_log_line(lines[1]).text.endswith("…[line cut at 64 KB]")
    assert len(lines) == 6


def test_the_ring_is_bounded_in_bytes_and_lines() -> None:
    ring = LogRing()
    line = parse_log_line(b"x" * MAX_LINE_BYTES)
    for _ in range(1000):
        ring.append(line, MAX_LINE_BYTES)
    assert ring.bytes <= FOLLOW_KEEP_BYTES
    assert len(ring) == FOLLOW_KEEP_BYTES // MAX_LINE_BYTES  # 256 lines of 64 KB
    small = LogRing(keep=5)
    for i in range(10):
        small.append(parse_log_line(f"line {i}"), 6)
    assert [x.text for x in small.lines()] == [f"line {i}" for i in range(5, 10)]
