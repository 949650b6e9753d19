"""PostgreSQL DSNs in both libpq forms: `postgresql://…` URLs and `host=… dbname=…` keywords.

asyncpg reads only URLs, so a keyword DSN is turned into one (every value percent-encoded).
A DSN that cannot be read is a UserError that says "malformed" and never repeats the DSN:
it may hold a password, and parsers echo pieces of it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode, urlsplit

from oc_console.errors import UserError

_KEYWORD = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']+)")
_URL_KEYS = {"host", "hostaddr", "port", "dbname", "user", "password"}
VERIFIED_SSLMODES = ("verify-ca", "verify-full")


@dataclass(frozen=True)
class DsnFacts:
    url: str  # what asyncpg is given
    host: str | None  # None: libpq's default (a local socket)
    port: int | None
    sslmode: str | None


def parse_keywords(dsn: str) -> dict[str, str]:
    """libpq's `key=value key='quoted value'` form."""
    out: dict[str, str] = {}
    pos = 0
    while pos < len(dsn.rstrip()):
        match = _KEYWORD.match(dsn, pos)
        if match is None:
            raise UserError("postgres.dsn: malformed DSN (expected key=value pairs)")
        key, value = match.group(1).lower(), match.group(2)
        if value.startswith("'"):
            if len(value) < 2 or not value.endswith("'"):
                raise UserError("postgres.dsn: malformed DSN (unterminated quote)")
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out[key] = value
        pos = match.end()
    return out


def _keywords_to_url(words: Mapping[str, str]) -> str:
    user = quote(words.get("user", ""), safe="")
    password = words.get("password")
    auth = f"{user}:{quote(password, safe='')}@" if password is not None else f"{user}@"
    host = words.get("host") or words.get("hostaddr") or ""
    query = {k: v for k, v in words.items() if k not in _URL_KEYS}
    if host.startswith("/"):  # a Unix socket directory goes in the query, as libpq reads it
        query["host"], host = host, ""
    netloc = f"{auth if user or password else ''}{quote(host, safe='')}"
    if "port" in words:
        netloc += f":{words['port']}"
    path = "/" + quote(words.get("dbname", ""), safe="")
    return f"postgresql://{netloc}{path}" + (f"?{urlencode(query)}" if query else "")


def read_dsn(dsn: str) -> DsnFacts:
    """The DSN as asyncpg's URL, with its host and sslmode; UserError when malformed."""
    text = dsn.strip()
    if "://" not in text:
        words = parse_keywords(text)
        text = _keywords_to_url(words)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise UserError(
            "postgres.dsn: malformed DSN (the port is not a number; a '/', '#', '?' or '@' in "
            "the password must be percent-encoded)"
        ) from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise UserError("postgres.dsn: malformed DSN (the scheme must be postgresql://)")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    host = unquote(query.get("host", "")) or parts.hostname
    return DsnFacts(url=text, host=host or None, port=port, sslmode=query.get("sslmode"))


def is_local_host(host: str | None) -> bool:
    """A Unix socket, localhost or a loopback address: nothing crosses a network."""
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def postgres_insecure(dsn: str | None, environ: Mapping[str, str]) -> str | None:
    """Why the connection is exposed, or None: a remote server reached without a verified
    TLS certificate (libpq's sslmode below verify-ca) can be impersonated."""
    host, sslmode = environ.get("PGHOST"), environ.get("PGSSLMODE")
    if dsn:
        try:
            facts = read_dsn(dsn)
        except UserError:
            return None  # reported as malformed elsewhere
        host = facts.host or host
        sslmode = facts.sslmode or sslmode
    if is_local_host(host) or sslmode in VERIFIED_SSLMODES:
        return None
    return f"remote server without sslmode=verify-full (sslmode={sslmode or 'prefer'})"
