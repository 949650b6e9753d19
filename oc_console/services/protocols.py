"""The seams between the facade and its sources: each source is typed by the few calls the
facade makes on it (the k9s way: a small protocol per capability), never by `Any`.

A source implements the ones it can: the Kubernetes source fetches, watches, and serves logs;
the orders database fetches and answers a lookup; the traces probe fetches and carries the
backend a lookup searches."""

from __future__ import annotations

from typing import Protocol, TypeVar

from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.services.orders import LogReader, OrdersDatabase, TracesBackend

T_co = TypeVar("T_co", covariant=True)


class Fetcher(Protocol[T_co]):
    """One backend read on a schedule. `fetch` raises SourceError (one line) when it cannot."""

    name: str

    async def fetch(self) -> T_co: ...

    async def close(self) -> None: ...


class Watcher(Protocol):
    """A source that knows when what it holds changed (the Kubernetes watch cache)."""

    async def wait_for_change(self, after: int, timeout: float) -> int: ...


class LogStream(Protocol):
    """A followed pod log: the newest lines in a bounded ring, filled by a thread."""

    received: int
    error: str | None
    ended: bool

    def lines(self) -> tuple[LogLine, ...]: ...

    def stop(self, timeout: float = 2.0) -> None: ...


class Loggable(Protocol):
    """A source whose workloads' logs can be read and followed."""

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, tail: int = 200, previous: bool = False
    ) -> tuple[LogLine, ...]: ...

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 200
    ) -> LogStream: ...


class ClusterSource(Fetcher[FleetSnapshot], Watcher, Loggable, LogReader, Protocol):
    """The cluster: listed and watched, its logs followed, and searched for an order."""


class OrdersSource(Fetcher[T_co], OrdersDatabase, Protocol[T_co]):
    """The orders database: polled for recent failures, asked about one order."""


class TracesSource(Fetcher[T_co], Protocol[T_co]):
    """The traces backend's probe; a lookup searches through its backend."""

    @property
    def backend(self) -> TracesBackend: ...


__all__ = [
    "ClusterSource",
    "Fetcher",
    "LogReader",
    "LogStream",
    "Loggable",
    "OrdersDatabase",
    "OrdersSource",
    "TracesBackend",
    "TracesSource",
    "Watcher",
]
