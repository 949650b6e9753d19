"""A list-then-watch cache: one daemon thread per (resource kind, namespace).

Each stream lists in pages (`limit` + `continue`) with `_preload_content=False`, parses the
raw JSON straight into rows, then watches from the list's resourceVersion with bookmarks. A
410 Gone relists; a dropped connection resumes from the last resourceVersion; failures back
off (0.5 s doubling to 30 s). Nothing but the parsed rows is kept.
"""

from __future__ import annotations

import contextlib
import gc
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from oc_console.domain.kube import WatchStatus
from oc_console.sources.kube.client import (
    KubeClient,
    accept_header,
    describe_error,
    get,
    iter_lines,
)

PAGE_SIZE = 500  # client-go's pager default: a page of 500 pods is a few MB of JSON
MAX_PAGE_BYTES = 512 * 1024 * 1024  # past this a "page" is an API server ignoring `limit`
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
WATCH_READ_TIMEOUT = 90.0  # API servers send a bookmark about once a minute
UNAVAILABLE_RETRY = 60.0  # an API that is not installed (a CRD) is looked for again this often


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


class Gone(Exception):
    """The resourceVersion is too old (410): only a fresh list can resume."""


class WatchError(Exception):
    """An ERROR event other than 410 in a watch stream (its Status code and message)."""


_gc_lock = threading.Lock()
_gc_holders = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing a page makes thousands of dicts that are all garbage a moment later; the cyclic
    collector finds nothing in them and costs a third of the parse. Counted, so overlapping
    parses in several threads re-enable it only when the last one ends."""
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
        self._thread = threading.Thread(
            target=self._run, name=f"kube-watch-{spec.kind}-{namespace}", daemon=True
        )

    # --- what readers see -------------------------------------------------------------
    def rows(self) -> list[Any]:
        with self._lock:
            return list(self._rows.values())

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
                self.relists += 1
                need_list = True
                continue
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
        }

    def _list(self) -> None:
        from kubernetes.client.exceptions import ApiException

        self.state, self._verb = "listing", "list"
        rows: dict[str, object] = {}
        token: str | None = None
        while True:
            options = self._options()
            options.update({"limit": PAGE_SIZE, "continue": token})
            try:
                response = self._client_call(options, (self._timeout, self._timeout), list_=True)
            except ApiException as exc:
                if exc.status == 410 and token:  # the continue token expired: start over
                    rows, token = {}, None
                    continue
                raise
            body = read_body(response, MAX_PAGE_BYTES)
            self._response = None
            with gc_paused():
                page = orjson.loads(body)
                del body
                for item in page.get("items") or ():
                    self._keep(rows, item)
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
        accept = accept_header(self.spec.metadata_only, list_)
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

    def _keep(self, rows: dict[str, object], item: dict[str, Any]) -> None:
        name = (item.get("metadata") or {}).get("name")
        row = self.spec.parse(item)
        if name is None or row is None:
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
        with self._lock:
            if kind == "DELETED":
                self._rows.pop(name, None)
            else:
                self._rows.pop(name, None)  # re-inserted last: the newest survives a cap
                self._keep(self._rows, obj)
        self.last_sync = datetime.now(UTC)
        self._on_change()


class WatchCache:
    """All streams of one cluster: their rows, one change counter, and their states."""

    def __init__(
        self, client: KubeClient, specs: list[KindSpec], namespaces: tuple[str, ...], timeout: float
    ) -> None:
        self._changed = threading.Condition()
        self.generation = 0
        self.streams = [
            Stream(spec, ns, client, timeout, self.bump)
            for spec in specs
            for ns in (spec.namespaces or namespaces)
        ]
        self._started = False

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def start(self) -> None:
        if not self._started:
            self._started = True
            for stream in self.streams:
                stream.start()

    def stop(self, timeout: float = 2.0) -> None:
        for stream in self.streams:
            stream.stop()
        deadline = time.monotonic() + timeout
        for stream in self.streams:
            stream.join(max(0.0, deadline - time.monotonic()))
        self.bump()  # wakes anyone waiting for a change

    def wait_settled(self, timeout: float) -> bool:
        """Until every stream has its first answer (a list or an error)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(s.settled for s in self.streams):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.25))
        return True

    def wait_for_change(self, after: int, timeout: float) -> int:
        """The generation once it passes `after`, or the current one after `timeout`."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation > after, timeout)
            return self.generation

    def rows(self, kind: str) -> list[Any]:
        """Every row of one kind across namespaces (the parse functions decide their type)."""
        out: list[Any] = []
        for stream in self.streams:
            if stream.spec.kind == kind:
                out.extend(stream.rows())
        return out

    def statuses(self) -> tuple[WatchStatus, ...]:
        return tuple(s.status() for s in self.streams)

    def failures(self, *, required: bool) -> list[Stream]:
        return [s for s in self.streams if s.error and s.spec.required == required]
