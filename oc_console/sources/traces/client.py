"""The trace backends' HTTP side: one httpx.AsyncClient with a timeout, TLS verification (or a
CA file), and bearer or basic auth; and the one-line errors a person reads."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from oc_console.config import TracesConfig
from oc_console.errors import SourceError


def traceql_string(value: str) -> str:
    """A TraceQL string literal: double quotes, backslash escapes (a JSON string is one)."""
    return json.dumps(value, ensure_ascii=False)


def where(url: str) -> str:
    """scheme://host:port of a URL, never its credentials."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def make_client(config: TracesConfig) -> httpx.AsyncClient:
    if not config.url:
        raise SourceError("traces are not configured (--traces URL)")
    headers: dict[str, str] = {}
    auth: httpx.BasicAuth | None = None
    if config.bearer_token_file:
        try:
            token = Path(config.bearer_token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourceError(f"traces token file: {exc.strerror}: {exc.filename}") from None
        headers["Authorization"] = f"Bearer {token}"
    elif config.username:
        auth = httpx.BasicAuth(config.username, config.password or "")
    verify: ssl.SSLContext | bool = True
    if config.ca_file:
        try:
            verify = ssl.create_default_context(cafile=config.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(f"traces CA file {config.ca_file}: {exc}") from None
    return httpx.AsyncClient(
        base_url=config.url.rstrip("/"),
        headers=headers,
        auth=auth,
        verify=verify,
        timeout=httpx.Timeout(config.timeout_seconds),
        follow_redirects=False,
    )


def describe(exc: BaseException, url: str) -> str:
    place = where(url)
    if isinstance(exc, httpx.TimeoutException):
        return f"{place}: no answer within the timeout"
    if isinstance(exc, httpx.ConnectError):
        return f"{place}: cannot connect ({str(exc).splitlines()[0] if str(exc) else 'refused'})"
    if isinstance(exc, httpx.HTTPError):
        return f"{place}: {type(exc).__name__}: {exc}"
    return f"{place}: {type(exc).__name__}: {exc}"


async def get(
    client: httpx.AsyncClient, path: str, params: dict[str, str] | None, accept: str
) -> httpx.Response:
    """GET, with the status checked: 401/403 and 5xx become one line; 404 is returned."""
    try:
        response = await client.get(path, params=params, headers={"Accept": accept})
    except httpx.HTTPError as exc:
        raise SourceError(describe(exc, str(client.base_url))) from None
    if response.status_code in (401, 403):
        raise SourceError(
            f"{where(str(client.base_url))}: {response.status_code} (check the token or user)"
        )
    if response.status_code != 404 and not response.is_success:
        body = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        raise SourceError(
            f"{where(str(client.base_url))}{path}: HTTP {response.status_code} {body}".rstrip()
        )
    return response


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SourceError(
            f"{where(str(response.request.url))}: the answer is not JSON "
            f"({response.headers.get('content-type', 'no content type')})"
        ) from None
