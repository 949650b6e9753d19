"""One list-then-watch stream: a resource kind in one namespace, kept current by its own
daemon thread.

It lists in pages (`limit` + `continue`) with `_preload_content=False`, parses the raw JSON
straight into rows, then watches from the list's resourceVersion with bookmarks. A 410 Gone
relists, with the same backoff as any failure (a server that answers every watch with 410
must not be relisted in a loop); a dropped connection resumes from the last resourceVersion;
failures back off (0.5 s doubling to 30 s). Nothing but the parsed rows is kept.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from oc_console.domain.kube import WatchStatus
from oc_console.sources.kube.client import (
    JSON,
    KubeClient,
    accept_header,
    describe_error,
    get,
    iter_lines,
)
from oc_console.sources.kube.spec import (
    READ_ERROR,
    TABLE,
    Gone,
    KindSpec,
    TableReader,
    WatchError,
    gc_paused,
    read_body,
)

PAGE_SIZE = 500  # client-go's pager default: a page of 500 pods is a few MB of JSON
MAX_PAGE_BYTES = 512 * 1024 * 1024  # past this a "page" is an API server ignoring `limit`
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
WATCH_READ_TIMEOUT = 90.0  # API servers send a bookmark about once a minute
UNAVAILABLE_RETRY = 60.0  # an API that is not installed (a CRD) is looked for again this often


class Stream:
    """One resource kind in one namespace, kept current by its own daemon thread."""

    def __init__(
        self,
        spec: KindSpec,
        namespace: str,
        client: KubeClient,
        timeout: float,
        on_change: Callable[[], None],
    ) -> None:
        self.spec = spec
        self.namespace = namespace
        self._client = client
        self._timeout = timeout
        self._on_change = on_change
        self._lock = threading.Lock()
        self._rows: dict[str, object] = {}
        self._stop = threading.Event()
        self._response: Any = None
        self.state = "listing"
        self._verb = "list"  # of the request in flight, for the error message
        self.error: str | None = None
        self.denied_verb: str | None = None  # the verb a 401/403 refused
        self.resource_version: str | None = None
        self.last_sync: datetime | None = None
        self.synced = False  # listed at least once
        self.relists = 0
        self.reconnects = 0
        self._table = TableReader(spec.table_columns) if spec.table_columns else None
        self._listing: dict[str, object] | None = None  # the first list's rows, as it goes
        self._thread = threading.Thread(
            target=self._run, name=f"kube-watch-{spec.kind}-{namespace}", daemon=True
        )

    # --- what readers see -------------------------------------------------------------
    def rows(self) -> list[Any]:
        with self._lock:
            return list(self._rows.values())

    def listed_so_far(self) -> list[Any]:
        """While the first list is under way, the rows of its pages parsed so far, in list
        order (a reader can start on them, the log sampler does); then the rows."""
        listing = self._listing
        if listing is None:
            return self.rows()
        for _ in range(3):  # the lister adds rows meanwhile; a copy is one C loop, rarely cut
            try:
                return list(listing.values())
            except RuntimeError:
                continue
        return []

    def status(self) -> WatchStatus:
        return WatchStatus(
            kind=self.spec.kind,
            namespace=self.namespace,
            state=self.state,
            items=len(self._rows),
            resource_version=self.resource_version,
            last_sync=self.last_sync,
            error=self.error,
            relists=self.relists,
            reconnects=self.reconnects,
            denied_verb=self.denied_verb,
            feeds=self.spec.feeds,
        )

    @property
    def settled(self) -> bool:
        """Listed, or failed at least once: the first answer is in either way (a denied
        stream has its error set)."""
        return self.synced or self.error is not None or self.state == "unavailable"

    # --- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            # Unblocks a read that is waiting on the socket; closed is fine.
            with contextlib.suppress(Exception):
                response.shutdown()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    # --- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        delay = BACKOFF_START
        need_list = True
        while not self._stop.is_set():
            try:
                if need_list:
                    self._list()
                    need_list = False
                started = time.monotonic()
                if self._watch() or time.monotonic() - started > 1.0:
                    delay = BACKOFF_START
                    continue
                # A server that ends every watch at once must not turn this into a busy loop.
                wait = delay
            except Gone:
                # Relist, but not at once: a server that expires every watch (or a version
                # it keeps too short a history for) would otherwise be listed in a loop.
                self.relists += 1
                need_list = True
                wait = delay
            except Exception as exc:
                if self._stop.is_set():
                    break
                self._failed(exc)
                wait = UNAVAILABLE_RETRY if self.state == "unavailable" else delay
            delay = min(BACKOFF_MAX, delay * 2)
            self._stop.wait(wait * random.uniform(0.8, 1.2))
        self.state = "stopped"

    def _failed(self, exc: Exception) -> None:
        from kubernetes.client.exceptions import ApiException

        status = exc.status if isinstance(exc, ApiException) else None
        if status in self.spec.absent_on:
            self.state, self.error = "unavailable", None
        elif status in (401, 403):
            self.denied_verb = self._verb
            self.error = describe_error(
                exc, self._client, self._verb, self.spec.kind, self.namespace
            )
            self.state = "denied"
        else:
            self.error = describe_error(
                exc, self._client, self._verb, self.spec.kind, self.namespace
            )
            self.state = "backoff"
        self._on_change()

    def _options(self) -> dict[str, object]:
        return {
            "labelSelector": self.spec.label_selector,
            "fieldSelector": self.spec.field_selector,
            "includeObject": "Metadata" if self._table is not None else None,
        }

    def _items(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        if self._table is not None:
            return self._table.objects(page)
        items: list[dict[str, Any]] = page.get("items") or []
        return items

    def _list(self) -> None:
        try:
            self._list_pages()
        finally:
            self._listing = None  # listed, or failed: readers see the rows (or none)

    def _list_pages(self) -> None:
        from kubernetes.client.exceptions import ApiException

        self.state, self._verb = "listing", "list"
        rows: dict[str, object] = {}
        if not self.synced:
            self._listing = rows
        token: str | None = None
        while True:
            options = self._options()
            options.update({"limit": PAGE_SIZE, "continue": token})
            try:
                response = self._client_call(options, (self._timeout, self._timeout), list_=True)
            except ApiException as exc:
                if exc.status == 410 and token:  # the continue token expired: start over
                    rows, token = {}, None
                    self._listing = rows if not self.synced else None
                    continue
                raise
            body = read_body(response, MAX_PAGE_BYTES)
            self._response = None
            with gc_paused():
                page = orjson.loads(body)
                del body
                items = self._items(page)
                if self.spec.full is None:
                    for item in items:
                        self._keep(rows, item)
                    items = []
            for item in items:  # outside the pause: a full read waits on the network
                self._keep(rows, item)
            del items
            meta = page.get("metadata") or {}
            del page
            token = meta.get("continue") or None
            if not token:
                break
        with self._lock:
            self._rows = rows
        self.resource_version = meta.get("resourceVersion") or None
        self._synced()

    def _client_call(
        self, options: dict[str, object], timeout: tuple[float, float], *, list_: bool = False
    ) -> Any:
        accept = TABLE if self._table else accept_header(self.spec.metadata_only, list_)
        response = get(
            self._client, self.spec.path, options, timeout, accept, namespace=self.namespace
        )
        self._response = response
        if self._stop.is_set():  # stop() ran before the response existed to be shut down
            response.shutdown()
        return response

    def _synced(self) -> None:
        self.synced = True
        self.state = "watching"
        self.error = None
        self.denied_verb = None
        self.last_sync = datetime.now(UTC)
        self._on_change()

    def _parse(self, item: dict[str, Any]) -> object | None:
        full = self.spec.full
        if full is not None and full(item):
            item = self._read_full(item)
        return self.spec.parse(item)

    def _read_full(self, item: dict[str, Any]) -> dict[str, Any]:
        """The object itself, for the few the spec needs in full (one GET by name)."""
        name = str((item.get("metadata") or {}).get("name") or "")
        timeout = (self._timeout, self._timeout)
        try:
            response = get(
                self._client, self.spec.path + "/{name}", {}, timeout, JSON,
                namespace=self.namespace, name=name,
            )  # fmt: skip
            try:
                obj = orjson.loads(response.read())
            finally:
                response.release_conn()
        except Exception as exc:
            error = describe_error(exc, self._client, "get", self.spec.kind, self.namespace)
            return {**item, READ_ERROR: error}
        return obj if isinstance(obj, dict) else {**item, READ_ERROR: "not a JSON object"}

    def _keep(self, rows: dict[str, object], item: dict[str, Any]) -> None:
        name = (item.get("metadata") or {}).get("name")
        if name is None:
            return
        row = self._parse(item)
        if row is None:
            return
        rows[name] = row
        limit = self.spec.max_items
        if limit is not None and len(rows) > limit:
            del rows[next(iter(rows))]  # insertion order: the oldest goes first

    def _watch(self) -> bool:
        """Watch until the server ends the stream or the connection drops. True when any
        event arrived (so the stream was worth it and resuming at once is right)."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        options = self._options()
        options.update(
            {
                "watch": True,
                "allowWatchBookmarks": True,
                "resourceVersion": self.resource_version,
                # The server ends a watch after this long; spread reconnects like client-go.
                "timeoutSeconds": random.randint(300, 600),
            }
        )
        self._verb = "watch"
        try:
            response = self._client_call(options, (self._timeout, WATCH_READ_TIMEOUT))
        except ApiException as exc:
            if exc.status == 410:  # some servers answer an expired version with HTTP 410
                raise Gone from None
            raise
        if self.error is not None or self.state != "watching":  # connected again
            self.error, self.state, self.denied_verb = None, "watching", None
            self._on_change()
        streamed = False
        try:
            for line in iter_lines(response):
                if self._stop.is_set():
                    break
                if line.strip():
                    self._event(orjson.loads(line))
                    streamed = True
        except (urllib3.exceptions.HTTPError, OSError):
            # The stream was open and then dropped (a restart, a load balancer's idle cut):
            # resume from the last resourceVersion. If the server is really gone, the next
            # connect fails, and that is the error reported.
            self.reconnects += 1
        finally:
            self._response = None
            # A watch never ends with its body read out: drop the connection, never pool it.
            response.close()
        return streamed

    def _event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        obj = event.get("object") or {}
        if self._table is not None and kind != "ERROR":
            obj = self._table.event_object(obj)
        meta = obj.get("metadata") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Gone
            raise WatchError(f"{obj.get('code')}: {obj.get('message') or obj.get('reason')}")
        version = meta.get("resourceVersion")
        if version:
            self.resource_version = version
        if kind == "BOOKMARK":
            self.last_sync = datetime.now(UTC)
            return
        name = meta.get("name")
        if name is None:
            return
        row = None if kind == "DELETED" else self._parse(obj)  # a full read: not under the lock
        with self._lock:
            self._rows.pop(name, None)  # re-inserted last: the newest survives a cap
            if row is not None:
                self._rows[name] = row
                limit = self.spec.max_items
                if limit is not None and len(self._rows) > limit:
                    del self._rows[next(iter(self._rows))]
        self.last_sync = datetime.now(UTC)
        self._on_change()
