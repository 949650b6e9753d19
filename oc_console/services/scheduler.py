"""The source scheduler: each source of a target reads on its own schedule in its own task,
with its own deadline; a refresh key pokes them all; `check` collects their first answers.

It knows sources only as pollers: which ones there are comes from the target's specs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from oc_console.services.poller import Poller

CHECK_POLL_SECONDS = 0.2  # how often `check` looks for sources' first answers
STOP_GRACE_SECONDS = 2.0  # how long stop() waits for cancelled polls to unwind


class SourceScheduler:
    def __init__(
        self,
        pollers: Sequence[Poller[Any]],
        *,
        eager: Sequence[Poller[Any]] = (),
        after_pool: Sequence[Poller[Any]] = (),
        warm_up: Callable[[], None] = lambda: None,
        refresh_seconds: float = 2.0,
    ) -> None:
        self.pollers = tuple(pollers)
        self._eager = tuple(eager)  # read before the slow client imports finish
        self._after_pool = tuple(after_pool)  # a one-shot refresh reads these last
        self._warm_up = warm_up
        self._warmed = False
        self.refresh_seconds = refresh_seconds
        self._listeners: list[Callable[[str], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """`listener(source_name)` runs on the event loop after each read of that source, so
        a panel redraws when its own source answers, whatever the others do."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[str], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _notify(self, name: str) -> None:
        for listener in list(self._listeners):
            listener(name)

    @property
    def configured(self) -> tuple[Poller[Any], ...]:
        return tuple(p for p in self.pollers if p.configured)

    def start(self, interval: float | None = None) -> None:
        """One task per configured source, each reading on its own schedule (`interval`,
        default the UI's refresh, or the source's own slower `every`)."""
        if self._tasks:
            return
        every = self.refresh_seconds if interval is None else interval
        self._spawn(self._run_sources(every))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_sources(self, interval: float) -> None:
        for poller in (p for p in self._eager if p.configured):
            self._spawn(poller.run(interval, self._notify))
        await self.warm_up()
        for poller in (p for p in self.configured if p not in self._eager):
            self._spawn(poller.run(interval, self._notify))

    def poke(self) -> None:
        """Read every source now (a refresh key), each in its own task."""
        for poller in self.configured:
            if not poller.running:
                self._spawn(self._poke(poller))

    async def _poke(self, poller: Poller[Any]) -> None:
        await self.warm_up()
        if await poller.tick(force=True):
            self._notify(poller.name)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # a task that unwinds slowly (a connection being closed) is left to finish alone
            await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)

    async def refresh(self, *, force: bool = False) -> None:
        """Tick every poller at once (each skips itself while its last tick still runs; each
        fetch ends at its deadline), then the ones that must follow the pool probe."""
        await self.warm_up()
        first = [p for p in self.pollers if p not in self._after_pool]
        await asyncio.gather(*(p.tick(force=force) for p in first))
        # after the pool probe, so the probe never counts a connection being opened beside it
        for poller in self._after_pool:
            await poller.tick(force=force)

    async def collect(self, timeout: float) -> None:
        """Every configured source's first full answer (for Kubernetes, its first log sample
        too), or, at `timeout`, each source that has not answered marked as not read in time."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        changed = asyncio.Event()

        def heard(_: str) -> None:
            changed.set()

        self.subscribe(heard)
        self.start(CHECK_POLL_SECONDS)
        configured = self.configured
        try:
            while not all(p.complete or p.error is not None for p in configured):
                left = end - loop.time()
                if left <= 0:
                    break
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(left):
                        await changed.wait()
        finally:
            self.unsubscribe(heard)
            await self.stop()
        for p in configured:
            if p.value is None and p.error is None:
                p.give_up(f"not read within the {timeout:g}s deadline")
            elif p.error is None and not p.complete:
                p.give_up(f"first log sample not read within the {timeout:g}s deadline")

    async def warm_up(self) -> None:
        """The kubernetes and Prometheus clients both import `requests`; two threads importing
        them at once can see it half-initialised. Import them once, in one worker thread."""
        if self._warmed:
            return
        await asyncio.to_thread(self._warm_up)
        self._warmed = True

    async def close(self, grace: float) -> None:
        await self.stop()
        closing = asyncio.gather(*(p.close() for p in self.pollers), return_exceptions=True)
        # A source whose thread is stuck on a dead server must not hold the exit: after
        # `grace` it is left to finish on its own.
        await asyncio.wait([closing], timeout=grace)
