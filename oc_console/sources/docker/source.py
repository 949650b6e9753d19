"""The Docker Engine source: a VM's compose services read as the fleet a cluster would be.

The containers are listed and inspected once, then kept current from `/events` on a daemon
thread (events.py), so a refresh only assembles what the cache holds; a dropped stream is
relisted with backoff, and while the Engine cannot be read `fetch` says why (the source is
down, its last view marked stale). The adapters' log tails are read at most every
`log_interval` seconds, for the signature-mismatch finding and a crash loop's evidence.
`wait_for_change` answers on the event that changed something.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from oc_console.config import DockerConfig
from oc_console.domain.kube import FleetSnapshot, LogLine, PodLogTail, PodRow
from oc_console.errors import SourceError
from oc_console.sources.docker.client import DockerClient, docker_host, open_client
from oc_console.sources.docker.events import ContainerCache
from oc_console.sources.docker.follow import DockerLogFollower
from oc_console.sources.docker.logs import parse_log
from oc_console.sources.docker.parse import End, container_key, fleet_of
from oc_console.sources.kube.parse import AdapterMatcher

SAMPLE_TAIL = 200


class DockerSource:
    """The `ClusterSource` for a Docker Engine (one VM running docker compose)."""

    name = "docker"

    def __init__(
        self,
        config: DockerConfig,
        adapter_pattern: str,
        *,
        environ: Mapping[str, str] | None = None,
        log_interval: float = 30.0,
    ) -> None:
        self.config = config
        self._environ: Mapping[str, str] = environ if environ is not None else {}
        self.host = docker_host(config, self._environ)
        self._matcher = AdapterMatcher("service", adapter_pattern)
        self._log_interval = log_interval
        self._client: DockerClient | None = None
        self._cache: ContainerCache | None = None
        self._ids: dict[tuple[str, str], str] = {}  # (project, container name) -> id
        self._ends: dict[str, End] = {}  # each container's last end, by id
        self._last: FleetSnapshot | None = None
        self._tails: tuple[PodLogTail, ...] = ()
        self._sampled_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()

    # --- Source protocol ----------------------------------------------------------------
    async def fetch(self) -> FleetSnapshot:
        return await asyncio.to_thread(self.snapshot)

    async def close(self) -> None:
        await asyncio.to_thread(self.stop)

    @property
    def insecure(self) -> str | None:
        return self._client.insecure if self._client is not None else None

    def snapshot(self) -> FleetSnapshot:
        """The cache's containers, and (now and then) the adapters' logs. Blocking."""
        with self._lock:
            client, cache = self._require_client(), self._require_cache()
            if not cache.wait_settled(self.config.timeout_seconds):
                raise SourceError(f"still listing the containers of {self.host}")
            if cache.error is not None:
                raise SourceError(cache.error)
            now = datetime.now(UTC)
            inspected = cache.objects()
            live = {str(o["Id"]) for o in inspected}
            self._ends = {k: v for k, v in self._ends.items() if k in live}
            snap = fleet_of(inspected, self._matcher, self.host, now, self._generation,
                            self._ends, cache.digests())  # fmt: skip
            self._ids = {container_key(o): str(o["Id"]) for o in inspected}
            if time.monotonic() - self._sampled_at >= self._log_interval or not self._sampled_at:
                self._tails = self._sample(client, snap.pods, now)
                self._sampled_at = time.monotonic()
            snap = replace(snap, logs=self._tails, watches=(cache.status(),))
            last = self._last
            if last is None or (last.pods, last.adapters, last.logs, last.vm) != (
                snap.pods,
                snap.adapters,
                snap.logs,
                snap.vm,
            ):
                self._generation += 1
            self._last = snap = replace(snap, generation=self._generation)
            return snap

    def _sample(
        self, client: DockerClient, pods: tuple[PodRow, ...], now: datetime
    ) -> tuple[PodLogTail, ...]:
        """The adapters' log tails. Docker keeps one log across restarts, so a looping
        container's tail is also its "previous" log, the crash's evidence."""
        tails = []
        for pod in pods:
            if pod.platform is None:
                continue
            c = pod.containers[0]
            error: str | None = None
            lines: tuple[LogLine, ...] = ()
            try:
                lines = parse_log(
                    client.logs(self._ids[(pod.namespace, pod.name)], tail=SAMPLE_TAIL)
                )
            except SourceError as exc:
                error = str(exc)
            for previous in (False, True) if c.restart_count or c.state != "running" else (False,):
                tails.append(
                    PodLogTail(
                        pod.namespace, pod.name, c.name, pod.platform, previous, lines, now, error
                    )
                )
        return tuple(tails)

    async def wait_for_change(self, after: int, timeout: float) -> int:
        """The cache's change counter once it passes `after` (an event changed a container)."""
        cache = self._cache
        if cache is None:
            return after
        return await asyncio.to_thread(cache.wait_for_change, after, timeout)

    # --- logs ---------------------------------------------------------------------------
    def container_id(self, namespace: str, pod: str) -> str:
        found = self._ids.get((namespace, pod))
        if found is None:
            raise SourceError(f"no container {pod} in compose project {namespace}")
        return found

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, tail: int = 200, previous: bool = False
    ) -> tuple[LogLine, ...]:
        client, cid = self._require_client(), self.container_id(namespace, pod)
        data = await asyncio.to_thread(client.logs, cid, tail=tail)
        return parse_log(data)

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 200
    ) -> DockerLogFollower:
        client, cid = self._require_client(), self.container_id(namespace, pod)
        return DockerLogFollower(client, cid, tail=tail).start()

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
        client, cid = self._require_client(), self.container_id(namespace, pod)
        data = await asyncio.to_thread(client.logs, cid, tail=-1, since=int(since.timestamp()))
        hits = [line for line in parse_log(data) if any(n in _text(line) for n in needles)]
        return tuple(hits[-keep:])

    # --- lifecycle ----------------------------------------------------------------------
    def _require_client(self) -> DockerClient:
        if self._client is None:
            self._client = open_client(self.host, self._environ, self.config.timeout_seconds)
        return self._client

    def _require_cache(self) -> ContainerCache:
        if self._cache is None:
            client = self._require_client()
            self._cache = ContainerCache(client, self.config.timeout_seconds).start()
        return self._cache

    def stop(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            cache, self._cache = self._cache, None
        if cache is not None:
            cache.stop()
        if client is not None:
            client.close()


def _text(line: LogLine) -> str:
    return " ".join(v for v in (line.raw, line.msg, line.order_id, line.trace_id) if v)
