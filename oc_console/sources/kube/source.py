"""The Kubernetes source: a watch cache of the adapter fleet, read as a FleetSnapshot.

The first `fetch` connects and starts the streams; later ones only assemble the cache's
current rows (and reuse the last assembly when nothing changed), so a refresh is cheap no
matter how often the UI asks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from oc_console.config import KubernetesConfig
from oc_console.domain.kube import FleetSnapshot, LogLine
from oc_console.errors import SourceError
from oc_console.sources.kube.assemble import adapters_of, assemble
from oc_console.sources.kube.client import KubeClient, connect
from oc_console.sources.kube.discovery import ApiDiscovery
from oc_console.sources.kube.kinds import kind_specs
from oc_console.sources.kube.logs import LogFollower, read_tail
from oc_console.sources.kube.sampler import EarlyView, LogSampler
from oc_console.sources.kube.tls_secrets import TlsReader
from oc_console.sources.kube.watch import WatchCache

__all__ = ["KubeSource", "assemble", "kind_specs"]  # where tests and benches import them


def early_view(cache: WatchCache) -> EarlyView | None:
    """The adapters once their Deployments are listed, and the pods listed so far: enough
    for the log sampler to start before the pod list ends."""
    if not cache.synced("deployments"):
        return None
    return EarlyView(tuple(adapters_of(cache)), cache.listed_so_far("pods"))


class KubeSource:
    """The `Source` for Kubernetes: `fetch` returns the watch cache's current FleetSnapshot."""

    name = "kubernetes"

    def __init__(
        self,
        config: KubernetesConfig,
        *,
        log_interval: float = 30.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._environ = environ
        self._log_interval = log_interval
        self._client: KubeClient | None = None
        self._cache: WatchCache | None = None
        self._sampler: LogSampler | None = None
        self._discovery: ApiDiscovery | None = None
        self._tls: TlsReader | None = None
        self._last: FleetSnapshot | None = None
        self._sampled = 0  # log sampler rounds in the last snapshot
        self._start_lock = threading.Lock()

    # --- Source protocol ----------------------------------------------------------------
    async def fetch(self) -> FleetSnapshot:
        if self._cache is None:
            await asyncio.to_thread(self._start)
        cache = self._cache
        assert cache is not None
        failed = cache.failures(required=True)
        if failed:
            raise SourceError(failed[0].error or "unknown error")
        pending = [s for s in cache.streams if s.spec.required and not s.synced]
        if pending:  # a slow server or a huge first list: say which, keep listing meanwhile
            server = self._client.server if self._client else "the API server"
            first = pending[0]
            raise SourceError(
                f"still listing {first.spec.kind} in namespace {first.namespace} from {server}"
            )
        last = self._last
        if last is None or last.generation != cache.generation:
            self._last = last = await asyncio.to_thread(self.snapshot)
        return last

    async def close(self) -> None:
        await asyncio.to_thread(self.stop)

    # --- beyond the protocol -----------------------------------------------------------
    @property
    def complete(self) -> bool:
        """The last snapshot holds a first log sample too (webhook signature mismatches and
        crash logs come from it), not only the lists."""
        return self._last is not None and self._sampled > 0

    @property
    def log_rounds(self) -> int:
        """The log sampler's rounds behind the last snapshot (a soak waits for a few)."""
        return self._sampled

    @property
    def insecure(self) -> str | None:
        return self._client.insecure if self._client is not None else None

    def snapshot(self) -> FleetSnapshot:
        """The cache's view now (blocking work: call from a thread)."""
        cache, client = self._cache, self._client
        if cache is None or client is None:
            raise SourceError("the Kubernetes source is not started")
        snap = assemble(cache, client.context, self.config.namespaces, self._discovery, self._tls)
        if self._sampler is not None:
            tails, self._sampled = self._sampler.tails()
            snap = replace(snap, logs=tails)
        return snap

    async def wait_for_change(self, after: int, timeout: float) -> int:
        """The cache's generation once it passes `after` (or after `timeout`): lets a screen
        redraw within a moment of a change instead of on its next tick."""
        cache = self._cache
        if cache is None:
            return after
        return await asyncio.to_thread(cache.wait_for_change, after, timeout)

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, tail: int = 200, previous: bool = False
    ) -> tuple[LogLine, ...]:
        client = self._require_client()
        lines, error = await asyncio.to_thread(
            read_tail,
            client,
            namespace,
            pod,
            container,
            tail=tail,
            previous=previous,
            timeout=self.config.timeout_seconds,
        )
        if error:
            raise SourceError(error)
        return lines

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 200
    ) -> LogFollower:
        """A started follower; the caller stops it."""
        client = self._require_client()
        return LogFollower(
            client, namespace, pod, container, tail=tail, timeout=self.config.timeout_seconds
        ).start()

    async def order_logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        since: datetime,
        needles: tuple[str, ...],
        *,
        keep: int,
    ) -> tuple[LogLine, ...]:
        """The lines since `since` that name one of the needles (an order or trace id)."""
        from oc_console.sources.kube.order_logs import read_since

        client = self._require_client()
        lines, error = await asyncio.to_thread(
            read_since,
            client,
            namespace,
            pod,
            container,
            since,
            needles,
            keep=keep,
            timeout=self.config.timeout_seconds,
        )
        if error:
            raise SourceError(error)
        return lines

    def _require_client(self) -> KubeClient:
        if self._client is None:
            raise SourceError("the Kubernetes source is not started")
        return self._client

    def _start(self) -> None:
        with self._start_lock:
            if self._cache is not None:
                return
            client = connect(self.config, self._environ)
            cache = WatchCache(
                client,
                kind_specs(self.config),
                self.config.namespaces,
                self.config.timeout_seconds,
            )
            cache.start()
            sampler = LogSampler(
                client,
                lambda: self._last,
                cache.bump,
                interval=self._log_interval,
                timeout=self.config.timeout_seconds,
                early=lambda: early_view(cache),
            )
            sampler.start()
            discovery = ApiDiscovery(client, self.config.timeout_seconds, cache.bump)
            discovery.start()
            self._client, self._cache, self._sampler = client, cache, sampler
            self._discovery = discovery
            self._tls = TlsReader(client, self.config.timeout_seconds)
        deadline = time.monotonic() + self.config.timeout_seconds
        cache.wait_settled(self.config.timeout_seconds)
        discovery.wait_answered(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        """Stop every thread and close the connections (blocking; joins the threads)."""
        with self._start_lock:
            sampler, cache, client = self._sampler, self._cache, self._client
            discovery = self._discovery
            self._sampler = self._cache = self._client = self._discovery = None
            self._last, self._tls = None, None
        if sampler is not None:
            sampler.stop()
        if discovery is not None:
            discovery.stop()
        if cache is not None:
            cache.stop()
        if client is not None:
            client.close()
