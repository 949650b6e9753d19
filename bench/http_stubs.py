"""Small HTTP servers the benchmarks put in front of Prometheus: a proxy that counts requests
and may answer late."""

from __future__ import annotations

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # a refresh's queries arrive at once
    daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def proxy(target: str, *, delay: float = 0.0, hits: list[str] | None = None) -> Server:
    """Forwards GETs to `target`, `delay` seconds late, recording each path in `hits`."""

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if hits is not None:
                hits.append(self.path)
            time.sleep(delay)
            with urllib.request.urlopen(target + self.path, timeout=10) as upstream:
                body = upstream.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = Server(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def drip(*, interval: float = 0.5) -> Server:
    """A Prometheus that never finishes an answer: "200 OK", then one byte every `interval`
    seconds. A client's per-read timeout never fires; only an overall deadline ends it."""

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                while not stopping.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    stopping.wait(interval)
            except OSError:
                return

        def log_message(self, format: str, *args: object) -> None:
            return

    stopping = threading.Event()
    server = Server(("127.0.0.1", 0), Drip)
    original_stop = server.stop

    def stop() -> None:
        stopping.set()
        original_stop()

    server.stop = stop  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server
