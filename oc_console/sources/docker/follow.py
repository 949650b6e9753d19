"""`docker logs -f` into a bounded ring of the newest lines, on a daemon thread."""

from __future__ import annotations

import contextlib
import threading
from urllib.parse import quote

import httpx

from oc_console.domain.kube import LogLine
from oc_console.sources.docker.client import API_VERSION, DockerClient
from oc_console.sources.kube.logs import FOLLOW_KEEP, MAX_LINE_BYTES, LogRing, parse_log_line

_HEADER_SIZE = 8


class _Lines:
    """Turns the framed (or raw) byte stream into whole lines, cutting any beyond the max."""

    def __init__(self) -> None:
        self._frames = bytearray()
        self._text = bytearray()
        self.framed: bool | None = None

    def feed(self, chunk: bytes) -> list[bytes]:
        if self.framed is None and chunk:
            self.framed = chunk[0] in (0, 1, 2) and chunk[1:4] == b"\0\0\0"
        if self.framed:
            self._frames += chunk
            while len(self._frames) >= _HEADER_SIZE:
                size = int.from_bytes(self._frames[4:8], "big")
                if len(self._frames) < _HEADER_SIZE + size:
                    break
                self._text += self._frames[_HEADER_SIZE : _HEADER_SIZE + size]
                del self._frames[: _HEADER_SIZE + size]
        else:
            self._text += chunk
        *whole, rest = bytes(self._text).split(b"\n")
        self._text = bytearray(rest[:MAX_LINE_BYTES])
        return [line[:MAX_LINE_BYTES] for line in whole]


class DockerLogFollower:
    def __init__(self, client: DockerClient, container_id: str, *, tail: int = 200) -> None:
        self._client = client
        self._id = container_id
        self._tail = tail
        self._ring = LogRing(FOLLOW_KEEP)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.received = 0
        self.error: str | None = None
        self.ended = False
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name="docker-logs", daemon=True)

    def start(self) -> DockerLogFollower:
        self._thread.start()
        return self

    def lines(self) -> tuple[LogLine, ...]:
        with self._lock:
            return self._ring.lines()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:  # unblocks the read waiting for the next chunk
            with contextlib.suppress(Exception):
                response.close()
        self._thread.join(timeout)

    def _run(self) -> None:
        path = f"/{API_VERSION}/containers/{quote(self._id)}/logs"
        params = {"stdout": "1", "stderr": "1", "follow": "1", "tail": str(self._tail)}
        lines = _Lines()
        try:
            timeout = httpx.Timeout(5.0, read=None)  # a quiet container is not a dead socket
            with self._client.http.stream("GET", path, params=params, timeout=timeout) as resp:
                self._response = resp
                if resp.status_code >= 400:
                    self.error = f"Docker Engine logs: {resp.status_code}"
                    return
                for chunk in resp.iter_raw():  # ends when the container stops
                    if self._stop.is_set():
                        break
                    self._add(lines.feed(chunk))
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            if not self._stop.is_set():
                self.error = f"Docker Engine logs: {exc}"
        finally:
            self.ended = True

    def _add(self, raws: list[bytes]) -> None:
        with self._lock:
            for raw in raws:
                self._ring.append(parse_log_line(raw), len(raw))
                self.received += 1
