"""The log sampler: the tails the analysis reads (crash logs, webhook signature mismatches),
read on a daemon thread every `interval` seconds.

Its first round does not wait for the whole pod list: as soon as the adapters' Deployments
are known, the pods already listed (a list arrives in name order, page by page) are looked
at as they come, and the tails the round will want are read meanwhile. The round then takes
those reads instead of making them again, and `check` answers about when the pod list is in.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from oc_console.domain.kube import AdapterHealth, ContainerState, FleetSnapshot, PodLogTail, PodRow
from oc_console.sources.kube.client import KubeClient
from oc_console.sources.kube.logs import read_tail

PREVIOUS_PER_ADAPTER = 3  # previous-container logs read per adapter and round, worst first
FLEET_POLL = 0.05  # while the first snapshot is due: cheap, and the first round starts at once
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Key = tuple[str, str, str, bool]  # namespace, pod, container, previous


@dataclass(frozen=True)
class EarlyView:
    """What is known before the first snapshot: the adapters, and the pods listed so far."""

    adapters: tuple[AdapterHealth, ...]
    pods: list[PodRow]  # in list order; grows between calls while the list is under way


def _running_pick(pods: list[PodRow] | tuple[PodRow, ...], count: int) -> list[PodRow]:
    """The running pods a round reads the current tail of: the first `count` by name."""
    return [p for p in pods if p.phase == "Running" and not p.deleting][:count]


def _main(pod: PodRow) -> ContainerState | None:
    main = next((c for c in pod.containers if c.kind == "app"), None)
    return main if main is not None and main.state == "running" else None


def _restarted(pods: tuple[PodRow, ...]) -> list[tuple[PodRow, ContainerState]]:
    """Containers that restarted, crash-looping ones first, then the most recent crash."""
    hits = [(p, c) for p in pods for c in p.app_containers if c.restart_count]
    hits.sort(key=lambda pc: (not pc[1].crashloop, -(pc[1].last_finished_at or _EPOCH).timestamp()))
    return hits


def _content(tails: dict[Key, PodLogTail]) -> dict[object, object]:
    """What a reader would see change: the lines and errors, not when they were read."""
    return {k: (t.lines, t.error) for k, t in tails.items()}


class LogSampler:
    """Reads the log tails the analysis needs, on a daemon thread, every `interval` seconds:
    the previous container's tail of every crashing adapter container (once per restart), and
    the recent tail of a few running pods per adapter (for webhook signature mismatches)."""

    def __init__(
        self,
        client: KubeClient,
        fleet: Callable[[], FleetSnapshot | None],
        on_change: Callable[[], None],
        *,
        interval: float = 30.0,
        pods_per_adapter: int = 2,
        tail: int = 200,
        previous_tail: int = 30,
        timeout: float = 10.0,
        early: Callable[[], EarlyView | None] | None = None,
    ) -> None:
        self._client = client
        self._fleet = fleet
        self._early = early
        self._prefetched: dict[Key, tuple[int, PodLogTail]] = {}  # with the restart count
        self._early_seen = 0  # pods of the early view already looked at
        self._early_running: Counter[str] = Counter()  # per adapter, running pods seen
        self._early_previous: Counter[str] = Counter()  # per adapter, crash logs read ahead
        self._on_change = on_change
        self._interval = interval
        self._pods_per_adapter = pods_per_adapter
        self._tail = tail
        self._previous_tail = previous_tail
        self._timeout = timeout
        self._tails: dict[Key, PodLogTail] = {}
        self._previous_seen: dict[tuple[str, str, str], int] = {}  # restart count last read
        self.rounds = 0  # complete rounds: `check` waits for the first before it answers
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kube-log-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def tails(self) -> tuple[tuple[PodLogTail, ...], int]:
        """The tails and how many rounds they come from."""
        with self._lock:
            return tuple(self._tails.values()), self.rounds

    def _run(self) -> None:
        while not self._stop.is_set():
            fleet = self._fleet()
            if fleet is None:  # not synced yet: read what can be read, look again soon
                if self._early is not None:
                    self._prefetch(self._early())
                self._stop.wait(FLEET_POLL)
                continue
            self.sample(fleet)
            self._prefetched.clear()  # later rounds read afresh
            self._stop.wait(self._interval)

    def _prefetch(self, view: EarlyView | None) -> None:
        """Read the tails the first round will want from the pods listed so far: the first
        running pods of each adapter (the same ones the round picks, the list being in name
        order), and the previous container of those that restarted (the round ranks them
        once every pod is in, and reads any it wants that were not read here)."""
        if view is None or not view.adapters:
            return
        new = view.pods[self._early_seen :]
        self._early_seen = len(view.pods)
        wanted = {f"{a.namespace}/{a.platform}" for a in view.adapters}
        for pod in new:
            adapter = f"{pod.namespace}/{pod.platform}"
            if self._stop.is_set():
                return
            if adapter not in wanted:
                continue
            if pod.phase == "Running" and not pod.deleting:
                self._early_running[adapter] += 1  # as _running_pick counts, in list order
                main = _main(pod)
                if main is not None and self._early_running[adapter] <= self._pods_per_adapter:
                    self._early_read(pod, main, previous=False)
            for c in pod.app_containers:
                if c.restart_count and self._early_previous[adapter] < PREVIOUS_PER_ADAPTER:
                    self._early_previous[adapter] += 1
                    self._early_read(pod, c, previous=True)

    def _early_read(self, pod: PodRow, c: ContainerState, *, previous: bool) -> None:
        key = (pod.namespace, pod.name, c.name, previous)
        if key not in self._prefetched:
            self._prefetched[key] = (c.restart_count, self._fetch(pod, c.name, previous=previous))

    def sample(self, fleet: FleetSnapshot) -> None:
        """One round; also callable directly (tests, a refresh key)."""
        fresh: dict[Key, PodLogTail] = {}
        with self._lock:
            old = dict(self._tails)
        for adapter in fleet.adapters:
            if self._stop.is_set():
                return  # stopping: a half round is not worth finishing
            pods = fleet.pods_of(adapter)
            for pod in _running_pick(pods, self._pods_per_adapter):
                if self._stop.is_set():
                    return
                main = _main(pod)
                if main is not None:
                    key = (pod.namespace, pod.name, main.name, False)
                    fresh[key] = self._read(pod, main, previous=False)
            for pod, c in _restarted(pods)[:PREVIOUS_PER_ADAPTER]:
                if self._stop.is_set():
                    return
                seen = (pod.namespace, pod.name, c.name)
                key = (*seen, True)
                if self._previous_seen.get(seen) == c.restart_count and key in old:
                    fresh[key] = old[key]  # the same crash as last round: its log is unchanged
                    continue
                self._previous_seen[seen] = c.restart_count
                fresh[key] = self._read(pod, c, previous=True)
        live = {(p.namespace, p.name) for p in fleet.pods}
        for gone in [k for k in self._previous_seen if (k[0], k[1]) not in live]:
            del self._previous_seen[gone]
        with self._lock:
            self._tails = fresh
            self.rounds += 1
        # The first round always counts as a change: readers waiting for it must see it even
        # when it found nothing.
        if self.rounds == 1 or _content(fresh) != _content(old):
            self._on_change()

    def _read(self, pod: PodRow, c: ContainerState, *, previous: bool) -> PodLogTail:
        """A tail this round wants: the one read ahead for it (same restart), or a read now."""
        early = self._prefetched.pop((pod.namespace, pod.name, c.name, previous), None)
        if early is not None and early[0] == c.restart_count:
            return early[1]
        return self._fetch(pod, c.name, previous=previous)

    def _fetch(self, pod: PodRow, container: str, *, previous: bool) -> PodLogTail:
        lines, error = read_tail(
            self._client,
            pod.namespace,
            pod.name,
            container,
            tail=self._previous_tail if previous else self._tail,
            previous=previous,
            timeout=self._timeout,
        )
        return PodLogTail(
            namespace=pod.namespace,
            pod=pod.name,
            container=container,
            platform=pod.platform,
            previous=previous,
            lines=lines,
            fetched_at=datetime.now(UTC),
            error=error,
        )
