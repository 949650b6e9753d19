"""Servers that hold a client without failing it: the faults a per-read timeout cannot see.

- `DripServer`: an HTTP server that answers "200 OK" and then sends its body one byte every
  `interval` seconds, for ever (a Prometheus behind a broken proxy).
- `SilentListener`: accepts TCP connections and never sends or reads a byte (a PostgreSQL or an
  API server whose process is stopped, SIGSTOP, while the kernel still completes handshakes).

Both run on daemon threads and close every socket they opened on `stop`.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class _Server:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._clients: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self.accepted = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> _Server:
        self._spawn(self._accept)
        return self

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._clients.append(conn)
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        """Hold the connection: say nothing."""

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._clients:
            conn.close()
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> _Server:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SilentListener(_Server):
    pass


class DripServer(_Server):
    def __init__(self, interval: float = 0.5) -> None:
        super().__init__()
        self.interval = interval

    def _serve(self, conn: socket.socket) -> None:
        self._spawn(self._drip, conn)

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)  # the request; its content does not matter
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000\r\n\r\n"
            )
            while not self._stop.wait(self.interval):
                conn.sendall(b" ")
        except OSError:
            return
