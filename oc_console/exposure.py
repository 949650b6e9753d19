"""Which configured sources send credentials or data where they can be read or impersonated.

Shown as an `insecure` marker next to the source (header, `check`), never as a refusal: the
engineer may have no other way in at 3 a.m., but must know. Loopback traffic never leaves the
machine, so it is not marked (the sandbox runs there).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from oc_console.config import Config
from oc_console.pgdsn import postgres_insecure

PLAIN_HTTP = "credentials over plain http://"


def _loopback(host: str | None) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        return False


def http_insecure(url: str | None, has_credentials: bool) -> str | None:
    """`PLAIN_HTTP` when credentials (configured, or in the URL itself) go to a remote host
    over http://."""
    if not url:
        return None
    parts = urlsplit(url)
    credentials = has_credentials or parts.password is not None
    if parts.scheme != "http" or not credentials or _loopback(parts.hostname):
        return None
    return PLAIN_HTTP


def prometheus_insecure(config: Config) -> str | None:
    p = config.prometheus
    headers = {k.lower() for k in p.headers}
    has = bool(p.username or p.password or p.bearer_token_file or "authorization" in headers)
    return http_insecure(p.url, has)


def database_insecure(config: Config) -> str | None:
    return postgres_insecure(config.postgres.dsn, config.environ)
