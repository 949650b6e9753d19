"""The Engine's containers kept current on a daemon thread, the watch cache's way: listed and
inspected once, then followed on `/events` (create, start, restart, die, oom, health_status,
destroy...), each event's container inspected again. A stream that drops (the daemon
restarted, the socket was cut) is reconnected with the watch cache's backoff (0.5 s doubling
to 30 s) and relisted: what happened while away cannot be replayed after a restart.

The events are asked for from the moment before the list, so a change between the list and
the stream is seen twice (one inspect too many), never missed.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from oc_console.domain.kube import WatchStatus
from oc_console.errors import SourceError
from oc_console.sources.docker.client import API_VERSION, DockerClient

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
# What changes a container as the console shows it. health_status matches
# "health_status: healthy" and the like; exec_* (every health check run) stays out.
EVENTS = ("create", "start", "restart", "die", "oom", "pause", "unpause", "rename", "update",
          "destroy", "health_status")  # fmt: skip
_FILTERS = orjson.dumps({"type": ["container"], "event": list(EVENTS)}).decode()
MAX_EVENT_BYTES = 64 * 1024  # an event is a few hundred bytes; labels can make it a few KB

Obj = dict[str, Any]


class ContainerCache:
    """Every container as the Engine last described it (inspect), by id."""

    def __init__(self, client: DockerClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout
        self._objs: dict[str, Obj] = {}
        self._digests: dict[str, tuple[str, ...]] = {}  # image id -> RepoDigests
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self.generation = 0
        self.state = "listing"  # listing, watching, backoff, stopped
        self.error: str | None = None
        self.listed = False
        self.relists = 0
        self.reconnects = 0
        self.events = 0
        self.last_sync: datetime | None = None
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name="docker-events", daemon=True)

    # --- read by the source -----------------------------------------------------------------
    def start(self) -> ContainerCache:
        self._thread.start()
        return self

    def objects(self) -> list[Obj]:
        with self._lock:
            return list(self._objs.values())

    def digests(self) -> dict[str, tuple[str, ...]]:
        with self._lock:
            return dict(self._digests)

    def _image(self, obj: Obj) -> None:
        """An image's digests are read once: an image id names one content for good."""
        image = str(obj.get("Image") or "")
        if image and image not in self._digests:
            found = self._client.repo_digests(image)
            with self._lock:
                self._digests[image] = found

    @property
    def settled(self) -> bool:
        """The first list is in, or the Engine said why not."""
        return self.listed or self.error is not None

    def wait_settled(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.settled, timeout)

    def wait_for_change(self, after: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != after, timeout)
            return self.generation

    def status(self) -> WatchStatus:
        with self._lock:
            items = len(self._objs)
        return WatchStatus("containers", self._client.host, self.state, items, None,
                           self.last_sync, self.error, self.relists, self.reconnects)  # fmt: skip

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:  # unblocks the read waiting for the next event
            with contextlib.suppress(Exception):
                response.close()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._bump()

    # --- the thread -------------------------------------------------------------------------
    def _bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def _run(self) -> None:
        delay = BACKOFF_START
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                since = self._list()
                self._follow(since)  # until the stream ends: the daemon went or cut it
                if self._stop.is_set():
                    break
                error = "the Docker Engine's event stream ended; reconnecting"
            except (SourceError, httpx.HTTPError, OSError, RuntimeError) as exc:
                if self._stop.is_set():
                    break
                error = _one_line(exc, self._client.host)
            self.reconnects += self.state == "watching"  # a stream that was up dropped
            self.error, self.state = error, "backoff"
            self._bump()
            if time.monotonic() - started > 5.0:  # it was up for a while: start over small
                delay = BACKOFF_START
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(BACKOFF_MAX, delay * 2)
        self.state = "stopped"

    def _list(self) -> float:
        """Every container, inspected; the time just before, for the events to start at."""
        since = time.time() - 1.0  # the Engine's event times are whole seconds
        objs = {}
        for row in self._client.containers():
            obj = self._client.inspect(str(row["Id"]))
            if obj is not None:
                objs[str(obj["Id"])] = obj
                self._image(obj)
        with self._lock:
            self._objs = objs
        if self.listed:
            self.relists += 1
        self.listed, self.error, self.state = True, None, "watching"
        self.last_sync = datetime.now(UTC)
        self._bump()
        return since

    def _follow(self, since: float) -> None:
        path = f"/{API_VERSION}/events"
        params = {"since": f"{since:.0f}", "filters": _FILTERS}
        timeout = httpx.Timeout(self._timeout, read=None)  # a quiet Engine is not a dead one
        with self._client.http.stream("GET", path, params=params, timeout=timeout) as resp:
            self._response = resp
            if resp.status_code >= 400:
                raise SourceError(f"Docker Engine GET /events: {resp.status_code}")
            for line in resp.iter_lines():
                if self._stop.is_set():
                    return
                if line.strip() and len(line) <= MAX_EVENT_BYTES:
                    self._apply(line)

    def _apply(self, line: str) -> None:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            return
        if not isinstance(event, dict) or event.get("Type") != "container":
            return
        cid = str(event.get("id") or (event.get("Actor") or {}).get("ID") or "")
        if not cid:
            return
        obj = None if event.get("Action") == "destroy" else self._client.inspect(cid)
        if obj is not None:
            self._image(obj)
        with self._lock:
            if obj is None:
                self._objs.pop(cid, None)
            else:
                self._objs[cid] = obj
        self.events += 1
        self.last_sync = datetime.now(UTC)
        self._bump()


def _one_line(exc: BaseException, host: str) -> str:
    if isinstance(exc, SourceError):
        return str(exc)
    if isinstance(exc, httpx.ConnectError):
        return f"cannot reach the Docker Engine at {host}: {exc}"
    return f"Docker Engine at {host}: {exc or type(exc).__name__}"
