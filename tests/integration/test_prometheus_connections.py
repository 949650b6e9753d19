"""PrometheusSource keeps one connection per query of a refresh, all of them running at once,
and reuses them from one refresh to the next."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oc_console.config import PrometheusConfig
from oc_console.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

EMPTY = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}})


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # a refresh's queries arrive at once
    daemon_threads = True


class Api:
    """Answers every query after a pause, so a refresh's queries overlap; counts the
    connections it is opened."""

    def __init__(self) -> None:
        self.connections = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Prometheus answers

            def setup(self) -> None:
                super().setup()
                api.connections += 1

            def do_GET(self) -> None:
                time.sleep(0.2)
                body = EMPTY.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def api() -> Iterator[Api]:
    server = Api()
    yield server
    server.server.shutdown()
    server.server.server_close()


async def test_a_refresh_reuses_the_connections_of_the_last(api: Api) -> None:
    source = PrometheusSource(PrometheusConfig(url=api.url), ("openclaw",))
    try:
        await source.fetch()
        opened = api.connections
        assert opened == 11  # the catalog's queries, all at once
        await source.fetch()
        await source.fetch()
        assert api.connections == opened
    finally:
        await source.close()
