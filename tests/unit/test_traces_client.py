"""The trace backends' HTTP client: auth, TLS and errors that never carry credentials."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from oc_console.config import TracesConfig
from oc_console.errors import SourceError
from oc_console.sources.traces.client import describe, make_client, where
from oc_console.sources.traces.jaeger import find_params


async def test_a_bearer_token_is_read_from_its_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cr3t\n")
    client = make_client(TracesConfig(url="https://tempo.example", bearer_token_file=str(token)))
    try:
        assert client.headers["Authorization"] == "Bearer s3cr3t"
        assert client.timeout.read == 5.0
    finally:
        await client.aclose()


async def test_basic_auth_and_a_missing_token_file(tmp_path: Path) -> None:
    client = make_client(TracesConfig(url="https://j.example", username="u", password="p"))
    try:
        assert isinstance(client.auth, httpx.BasicAuth)
        assert "Authorization" not in client.headers
    finally:
        await client.aclose()
    with pytest.raises(SourceError, match="token file"):
        make_client(TracesConfig(url="https://x", bearer_token_file=str(tmp_path / "none")))


def test_a_bad_ca_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(SourceError, match="CA file"):
        make_client(TracesConfig(url="https://x", ca_file=str(bad)))


def test_errors_name_the_server_but_never_its_credentials() -> None:
    url = "https://admin:hunter2@tempo.example:3200/prefix?token=abc"
    assert where(url) == "https://tempo.example:3200"
    message = describe(httpx.ConnectTimeout("timed out"), url)
    assert "hunter2" not in message and "abc" not in message
    assert message == "https://tempo.example:3200: no answer within the timeout"


def test_jaeger_gets_the_id_as_a_json_value() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 1, 1, tzinfo=UTC)
    params = find_params('a"b', at, at, "openclaw-webhook", 20)
    assert params["query.attributes"] == '{"order_id": "a\\"b"}'
    assert params["query.start_time_min"] == "2026-01-01T00:00:00Z"
