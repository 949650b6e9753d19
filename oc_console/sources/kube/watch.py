"""A list-then-watch cache: one daemon thread per (resource kind, namespace) (stream.py),
their rows read together, one change counter, and their states."""

from __future__ import annotations

import threading
import time
from typing import Any

from oc_console.domain.kube import WatchStatus
from oc_console.sources.kube.client import KubeClient
from oc_console.sources.kube.spec import KindSpec, gc_paused, read_body
from oc_console.sources.kube.stream import Stream

__all__ = ["KindSpec", "Stream", "WatchCache", "gc_paused", "read_body"]


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

    def listed_so_far(self, kind: str) -> list[Any]:
        """Every row of one kind listed so far, while first lists are under way."""
        out: list[Any] = []
        for stream in self.streams:
            if stream.spec.kind == kind:
                out.extend(stream.listed_so_far())
        return out

    def synced(self, kind: str) -> bool:
        """Every stream of this kind has listed (or is not served, or is refused)."""
        return all(s.settled for s in self.streams if s.spec.kind == kind)

    def statuses(self) -> tuple[WatchStatus, ...]:
        return tuple(s.status() for s in self.streams)

    def failures(self, *, required: bool) -> list[Stream]:
        return [s for s in self.streams if s.error and s.spec.required == required]
