"""How PrometheusSource reaches the server: it honours what the environment says (HTTP_PROXY,
NO_PROXY, a .netrc login), read once when it connects rather than on every query, and keeps one
connection per query of a refresh (all of them run at once), reused from one refresh to the
next."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from oc_console.config import PrometheusConfig
from oc_console.errors import SourceError
from oc_console.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.integration

EMPTY = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}})
QUERIES = 11  # the catalog's queries, one refresh


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # a refresh's queries arrive at once
    daemon_threads = True


class Api:
    """Answers every query with an empty result, as a Prometheus or as a forward proxy (which
    is sent the whole URL), `delay` seconds late (so a refresh's queries overlap); keeps each
    request's target and Authorization header, and counts the connections it is opened."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.connections = 0
        self.delay = 0.0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Prometheus answers

            def setup(self) -> None:
                super().setup()
                api.connections += 1

            def do_GET(self) -> None:
                api.seen.append((self.path, self.headers.get("Authorization")))
                time.sleep(api.delay)
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


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


async def read_twice(url: str, **cfg: object) -> None:
    source = PrometheusSource(PrometheusConfig(url=url, **cfg), ("openclaw",))  # type: ignore[arg-type]
    try:
        await source.fetch()
        await source.fetch()  # the second read goes the same way as the first
    finally:
        await source.close()


async def test_queries_go_through_the_proxy_the_environment_names(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", api.url)
    await read_twice("http://prometheus.invalid:9090")
    assert len(api.seen) == 2 * QUERIES
    assert all(path.startswith("http://prometheus.invalid:9090/api/v1/") for path, _ in api.seen)


async def test_no_proxy_reaches_the_server_directly(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: refused
    with pytest.raises(SourceError, match="unreachable"):
        await read_twice(api.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    await read_twice(api.url)
    assert len(api.seen) == 2 * QUERIES
    assert all(path.startswith("/api/v1/") for path, _ in api.seen)


async def test_a_netrc_login_is_sent_unless_one_is_configured(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login oncall password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    await read_twice(api.url)
    from_netrc = "Basic " + base64.b64encode(b"oncall:from-netrc").decode()
    assert {auth for _, auth in api.seen} == {from_netrc}
    api.seen.clear()
    await read_twice(api.url, username="admin", password="configured")
    configured = "Basic " + base64.b64encode(b"admin:configured").decode()
    assert {auth for _, auth in api.seen} == {configured}


async def test_a_refresh_reuses_the_connections_of_the_last(api: Api) -> None:
    api.delay = 0.2
    source = PrometheusSource(PrometheusConfig(url=api.url), ("openclaw",))
    try:
        await source.fetch()
        opened = api.connections
        assert opened == QUERIES  # all at once
        await source.fetch()
        await source.fetch()
        assert api.connections == opened
    finally:
        await source.close()
