"""What a list-then-watch stream reads (`KindSpec`) and the few pieces every stream shares:
the signals of its loop, the bounded read of a list body, the collector's pause around a
bulk decode, and the reading of a server-side Table as objects."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
# A Table of rows, each with its object's metadata and the printed columns (kubectl's form):
# the way to learn a Secret's `type` without its `data` crossing the wire.
TABLE = "application/json;as=Table;g=meta.k8s.io;v=v1"


@dataclass(frozen=True)
class KindSpec:
    kind: str  # the API resource, as messages name it: "pods", "certificates.cert-manager.io"
    path: str  # the collection, with a {namespace}: "/api/v1/namespaces/{namespace}/pods"
    parse: Callable[[dict[str, Any]], object | None]  # None: not something we keep
    required: bool = True  # without it the source has nothing useful to show
    # Statuses that mean "not here" rather than a failure: 404 for an API that is not
    # installed (cert-manager), 403 for a stream that is a bonus (node events).
    absent_on: tuple[int, ...] = ()
    namespaces: tuple[str, ...] | None = None  # fixed namespaces instead of the configured
    max_items: int | None = None  # keep only the newest (events)
    label_selector: str | None = None
    field_selector: str | None = None
    # List and watch PartialObjectMetadata: `parse` sees names, labels and times, never the
    # object's data (Secrets the console needs only the names of).
    metadata_only: bool = False
    # List and watch a Table with each row's metadata: `parse` sees the metadata plus these
    # printed columns, lower-cased, as top-level fields ("Type" -> obj["type"]).
    table_columns: tuple[str, ...] = ()
    # The few objects whose data is needed (a Helm release): read alone, in full, by a GET,
    # before `parse` sees them. A read that fails is passed on with READ_ERROR set.
    full: Callable[[dict[str, Any]], bool] | None = None
    # What else reads this stream (a consumer's name): its status says so, so "cannot see
    # Helm releases" still finds the Secrets stream that feeds them.
    feeds: tuple[str, ...] = ()


READ_ERROR = "x-oc-console-read-error"  # set on an object whose full read failed


class Gone(Exception):
    """The resourceVersion is too old (410): only a fresh list can resume."""


class WatchError(Exception):
    """An ERROR event other than 410 in a watch stream (its Status code and message)."""


_gc_lock = threading.Lock()
_gc_holders = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing a page makes thousands of dicts that are all garbage a moment later; the cyclic
    collector finds nothing in them and costs a third of the parse. Scoped to one page's
    decode and restored in `finally`; counted, so overlapping decodes in several threads
    re-enable it only when the last one ends. Never held across a network read: the UI's
    collection is paused for a decode's few milliseconds, not for a stream's life."""
    global _gc_holders
    with _gc_lock:
        _gc_holders += 1
        if _gc_holders == 1:
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                gc.enable()


def read_body(response: Any, max_bytes: int) -> bytearray:
    """The whole body of a list response, refusing an unbounded one. One growing buffer, so
    a 50 MB page costs 50 MB, not the chunks plus their join."""
    body = bytearray()
    try:
        for chunk in response.stream(1024 * 1024, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise ValueError(f"a list page is larger than {max_bytes // 2**20} MB")
    except BaseException:
        response.close()  # unread bytes would poison the pooled connection's next request
        raise
    response.release_conn()
    return body


class TableReader:
    """Rows of a meta.k8s.io Table as objects: the row's metadata and the wanted columns.
    Watch events may leave out the column definitions after the first: the last ones known
    are kept."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self._wanted = columns
        self._index: dict[str, int] = {}

    def objects(self, table: Obj) -> list[Obj]:
        definitions = table.get("columnDefinitions")
        if definitions:
            names = [str(d.get("name") or "") for d in definitions]
            self._index = {n: names.index(n) for n in self._wanted if n in names}
        out = []
        for row in table.get("rows") or ():
            cells = row.get("cells") or []
            obj: Obj = {"metadata": (row.get("object") or {}).get("metadata") or {}}
            for name, at in self._index.items():
                if at < len(cells):
                    obj[name.lower()] = cells[at]
            out.append(obj)
        return out

    def event_object(self, obj: Obj) -> Obj:
        """A watch event's object: a one-row Table, or (a bookmark) plain metadata."""
        if obj.get("kind") != "Table":
            return obj
        rows = self.objects(obj)
        return rows[0] if rows else {}
