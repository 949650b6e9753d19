"""Watch streams: replay from a resourceVersion, then follow; bookmarks; 410 when too old."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .context import Context
from .crud import matcher
from .errors import ApiError
from .resources import Resource
from .store import Stored

if TYPE_CHECKING:
    from .server import Responder

_POLL = 0.2


def _line(kind: str, raw: bytes) -> bytes:
    return b'{"type":"%s","object":%s}\n' % (kind.encode(), raw)


def _gone(rv: int, current: int) -> bytes:
    status = ApiError.gone(rv).status()
    status["message"] = f"too old resource version: {rv} ({current})"
    return _line("ERROR", json.dumps(status).encode())


def _bookmark(
    res: Resource,
    rv: int,
    annotations: dict[str, str] | None = None,
    partial: str | None = None,
) -> bytes:
    meta: dict[str, object] = {"resourceVersion": str(rv)}
    if annotations:
        meta["annotations"] = annotations
    kind, api = (
        ("PartialObjectMetadata", f"meta.k8s.io/{partial}")
        if partial
        else (res.kind, res.api_version)
    )
    obj = {"kind": kind, "apiVersion": api, "metadata": meta}
    return _line("BOOKMARK", json.dumps(obj).encode())


def parse_rv(value: str) -> int | None:
    if value in ("", "0"):
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError.bad_request(f"resourceVersion: Invalid value: {value!r}") from None


def serve(
    h: Responder,
    ctx: Context,
    res: Resource,
    namespace: str,
    query: dict[str, str],
    render: Callable[[Stored], bytes] | None = None,
    partial: str | None = None,
) -> None:
    """Stream changes; `render` turns each object into what goes on the wire (a Table row for
    `kubectl get -w`, PartialObjectMetadata), the stored JSON when None. `partial`: the
    meta.k8s.io version of a metadata-only watch, whose bookmarks are PartialObjectMetadata."""
    store, faults = ctx.store, ctx.faults
    encode = render or (lambda item: item.raw)
    keep = matcher(query)
    rv = parse_rv(query.get("resourceVersion", ""))
    timeout = float(query.get("timeoutSeconds") or 1800)
    bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
    drops = faults.drop_generation
    h.start_stream("application/json")
    if faults.take_expiry() or (rv is not None and rv < store.floor):
        h.chunk(_gone(rv or 0, store.rv))
        h.end_stream()
        return
    initial = query.get("sendInitialEvents") == "true"
    if rv is None or initial:
        # The current state as ADDED events first; a streaming list (client-go's WatchList)
        # then waits for the bookmark that marks the end of that initial state.
        items, rv = store.query(res, namespace or None)
        added = [_line("ADDED", encode(item)) for item in items if keep(item)]
        if added:
            h.chunk(b"".join(added))
        if initial:
            h.chunk(_bookmark(res, rv, {"k8s.io/initial-events-end": "true"}, partial))
    deadline = time.monotonic() + timeout
    next_bookmark = time.monotonic() + ctx.bookmark_interval
    while not h.server.stopping.is_set():
        if faults.drop_generation != drops:
            h.abort()
            return
        with store.cond:
            changes = store.changes_after(rv)
            if changes == []:
                store.cond.wait(_POLL)
                changes = store.changes_after(rv)
            current = store.rv
        if changes is None:
            h.chunk(_gone(rv, current))
            break
        out = [
            _line(c.type, encode(c.item))
            for c in changes
            if c.key == res.key
            and (not namespace or c.item.namespace == namespace)
            and keep(c.item)
        ]
        rv = max(rv, changes[-1].rv) if changes else rv
        if out:
            h.chunk(b"".join(out))
        now = time.monotonic()
        if now >= deadline:
            break
        if bookmarks and now >= next_bookmark:
            h.chunk(_bookmark(res, rv, partial=partial))
            next_bookmark = now + ctx.bookmark_interval
    h.end_stream()
