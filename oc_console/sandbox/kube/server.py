"""HTTP plumbing: a threading server that can cut every connection, and response helpers."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import protobuf
from .errors import ApiError

_log = logging.getLogger(__name__)


class ApiServer(ThreadingHTTPServer):
    """Tracks open connections so stop() ends keep-alive and streaming requests at once."""

    daemon_threads = True
    block_on_close = True  # server_close() joins the request threads

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], app: Any, tls: ssl.SSLContext
    ) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._tls = tls
        super().__init__(("127.0.0.1", app.port), handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        # The TLS handshake runs in the request thread, so a slow client stalls only itself.
        return self._tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The sandbox shares a terminal with the console: never print a traceback onto it.
        # Clients that hang up mid-request are routine; anything else goes to the debug log.
        _log.debug("request from %s failed", client_address, exc_info=True)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.cut_connections()
        self.server_close()


class Responder(BaseHTTPRequestHandler):
    """Response writing shared by the API routes."""

    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as kube-apiserver (Go) sets on every connection: otherwise the body, written
    # after the headers, waits for the client's delayed ACK (40 ms on every single call)
    disable_nagle_algorithm = True
    server: ApiServer
    capture: bytearray | None = None  # the answer's bytes are copied here (see tap.py)

    def log_message(self, format: str, *args: Any) -> None:
        # Request logging would flood the console's terminal in `oc-console demo`.
        return

    def send_bytes(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            if self.capture is not None:
                self.capture += body

    def send_json(self, code: int, obj: Any) -> None:
        self.send_bytes(code, json.dumps(obj, separators=(",", ":")).encode())

    def send_error_status(self, err: ApiError) -> None:
        self.send_json(err.code, err.status())

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        if self.capture is not None:
            self.capture += data

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort(self) -> None:
        """Drop the connection mid-response, as a dying API server or load balancer does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        if "protobuf" in self.headers.get("Content-Type", ""):
            return protobuf.decode(raw)
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ApiError.bad_request(
                f"couldn't get version/kind; json parse error: {exc}"
            ) from None
