"""Secrets out of every string the console shows or writes: DSNs, URLs, tokens, error text.

What is redacted:
- the password of a URL's user info (`postgresql://user:pw@host`, `http://user:pw@host`), even
  when it holds an unencoded `/`, `#` or `@` (everything up to the last `@` of the word goes);
- `password=` / `sslpassword=` in keyword DSNs (`host=db password='a b'`) and query strings;
- `Bearer` / `Basic` credentials and `token=`-like query parameters;
- any literal secret the caller knows (the password parsed from a DSN), because a parser's own
  error may echo it without its key (asyncpg: "invalid literal for int(): 'pa'").

It is applied where strings are made (a source's `where`, its errors, `check`'s output), not
only at display, so no copy of a secret outlives the line that read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"
# A known secret shorter than this is not searched for as a bare string: "p" would mask every
# p. Where it appears with its key or in a URL, the patterns still catch it.
MIN_LITERAL = 4

# scheme://user:password@ — the password runs to the last `@` of the word (greedy), so an
# unencoded `/`, `#` or `@` in it cannot end it early and leak the rest.
_URL_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]*):(?P<pw>[^\s'\"]*)@")
# key=value with a secret key, in a keyword DSN or a query string; a quoted value may hold
# spaces and escaped quotes (libpq: 'it\'s').
_SECRET_KEYWORD = re.compile(
    r"(?P<key>\b(?:password|sslpassword|passwd|pwd|token|access_token|api_key|apikey|secret)"
    r"\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s&'\"]*)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def _mask_keyword(match: re.Match[str]) -> str:
    value = match["value"]
    # Already masked (a redacted DSN inside a message): keep what followed the mask, such as
    # the ": " before the error, instead of swallowing it as part of the value.
    rest = value[len(MASK) :] if value.startswith(MASK) else ""
    return f"{match['key']}{MASK}{rest}"


def _may_hold_credentials(text: str) -> bool:
    """Whether a pattern above can match: each needs `://`, `=`, or a scheme's name. Most
    text (names, counts, a finding's summary) has none, and this costs a few comparisons
    where the patterns cost a search each. Outside ASCII, case-insensitive matching is more
    than lower case (the long s matches s), so such text is always searched."""
    if "://" in text or "=" in text or not text.isascii():
        return True
    lower = text.lower()
    return "bearer" in lower or "basic" in lower


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every credential it carries replaced by ***."""
    out = text
    if _may_hold_credentials(text):
        out = _URL_USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", out)
        out = _SECRET_KEYWORD.sub(_mask_keyword, out)
        out = _AUTH_SCHEME.sub(lambda m: f"{m['key']}{MASK}", out)
    for secret in secrets:
        if secret and len(secret) >= MIN_LITERAL:
            out = out.replace(secret, MASK)
    return out


def dsn_password(dsn: str | None) -> str | None:
    """The password a DSN carries, in either form, so errors can be scrubbed of it (also of
    its percent-decoded spelling)."""
    if not dsn:
        return None
    url = _URL_USERINFO.search(dsn)
    if url and "://" in dsn[: url.start() + len(url["head"])]:
        return url["pw"] or None
    keyword = _SECRET_KEYWORD.search(dsn)
    if keyword and keyword["key"].lower().startswith("password"):
        value = keyword["value"]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        return value or None
    return None


def secrets_of(dsn: str | None) -> tuple[str, ...]:
    """The literal strings to scrub from errors about this DSN: its password as written and
    percent-decoded."""
    password = dsn_password(dsn)
    if not password:
        return ()
    return tuple({password, unquote(password)})


def redact_error(exc: BaseException | str, secrets: Iterable[str | None] = ()) -> str:
    """The first line of an error, redacted."""
    text = exc if isinstance(exc, str) else str(exc) or type(exc).__name__
    lines = text.splitlines()
    return redact(lines[0] if lines else "", secrets)
