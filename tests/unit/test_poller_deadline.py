"""A poller's overall deadline ends a fetch that never finishes, even one blocked in a worker
thread; its subscribers hear of every new answer and of nothing else."""

from __future__ import annotations

import asyncio
import threading
import time

from oc_console.services.poller import Poller


class Blocked:
    """A fetch stuck in a worker thread, as a blocking client on a dripping server is."""

    name = "blocked"

    def __init__(self) -> None:
        self.release = threading.Event()

    async def fetch(self) -> int:
        await asyncio.to_thread(self.release.wait, 10)
        return 1

    async def close(self) -> None:
        self.release.set()


class Same:
    name = "same"

    def __init__(self) -> None:
        self.value = object()
        self.calls = 0

    async def fetch(self) -> object:
        self.calls += 1
        return self.value

    async def close(self) -> None:
        pass


async def test_a_fetch_blocked_in_a_thread_is_cut_at_the_deadline() -> None:
    source = Blocked()
    poller = Poller(source, "blocked", deadline=0.3)
    started = time.monotonic()
    try:
        assert await poller.tick()
        took = time.monotonic() - started
    finally:
        await source.close()
    assert took < 1.0
    assert poller.error == "no answer within 0.3s; still trying"
    assert poller.timed_out and poller.health().status == "down"


async def test_run_tells_subscribers_of_new_answers_only() -> None:
    source = Same()
    poller = Poller(source, "same")
    heard: list[str] = []
    task = asyncio.create_task(poller.run(0.01, heard.append))
    try:
        while source.calls < 5:
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert heard == ["same"]  # five reads of one unchanged answer: one redraw
