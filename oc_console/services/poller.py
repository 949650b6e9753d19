"""Polls one source: skips a tick while the last is running, backs off on errors, and keeps
the last good value with its age and the current error, so the UI can show stale data as stale.

Every fetch has an overall deadline. An HTTP client's timeout counts per read, so a server that
drips one byte a second never trips it; `asyncio.wait_for` around the whole fetch does. A fetch
running in a worker thread cannot be killed: the thread may linger until its own timeouts end
it, but the poller marks the source stale at the deadline and carries on. Each poller runs in
its own task (`run`), so a hung source never delays another one's reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from oc_console.domain.health import SourceHealth
from oc_console.errors import SourceError
from oc_console.redact import redact
from oc_console.services.protocols import Fetcher

T = TypeVar("T")

BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
_PAST_DUE = 0.005


def utc_now() -> datetime:
    return datetime.now(UTC)


class Poller(Generic[T]):
    def __init__(
        self,
        source: Fetcher[T] | None,
        name: str,
        *,
        detail: str | None = None,
        describe: Callable[[T], str | None] | None = None,
        every: float = 0.0,
        deadline: float | None = None,
        insecure: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.source = source
        self.name = name
        self.detail = detail
        # what the last value says about itself (a stand-in, partial data), read by `health`
        self.describe = describe
        # the after-read step: run after each good read, never by a reader of the snapshot
        self.on_read: list[Callable[[], None]] = []
        self.every = every  # seconds between reads at most; 0: every tick
        self.deadline = deadline  # seconds one whole fetch may take; None: the source's own
        self.insecure = insecure  # why its credentials or data travel unprotected, if they do
        self._last_read = float("-inf")
        self.value: T | None = None
        self.fetched_at: datetime | None = None
        self.error: str | None = None
        self.failing_since: datetime | None = None
        self.clock = clock  # a replay or a soak bench runs its own time
        self.monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._running = False
        self.timed_out = False  # a fetch was cut at its deadline (its thread may linger)
        self._backoff = 0.0
        self._next_attempt = 0.0

    @property
    def configured(self) -> bool:
        return self.source is not None

    @property
    def running(self) -> bool:
        return self._running

    async def tick(self, *, force: bool = False) -> bool:
        """Fetch once. Returns False when skipped (still running, backing off, unconfigured)."""
        if self.source is None or self._running:
            return False
        now = self.monotonic()
        if not force and (now < self._next_attempt or now < self._last_read + self.every):
            return False
        self._last_read = now
        self._running = True
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands
            # as the fetch completes, and a stopped poller would then poll on for ever.
            async with asyncio.timeout(self.deadline):
                value = await self.source.fetch()
        except TimeoutError:
            self.timed_out = True
            self._failed(f"no answer within {self.deadline:g}s; still trying")
        except SourceError as exc:
            self._failed(str(exc))
        except Exception as exc:  # a source bug must not take the console down
            self._failed(f"{type(exc).__name__}: {exc}".splitlines()[0])
        else:
            self.value = value
            self.fetched_at = self.clock()
            self.error = None
            self.failing_since = None
            self._backoff = 0.0
            self._next_attempt = 0.0
        finally:
            self._running = False
        if self.error is None:
            for step in self.on_read:
                step()
        return True

    @property
    def complete(self) -> bool:
        """Read, and holding everything the source reads on its first pass (the Kubernetes
        source's log sample comes after its lists)."""
        return self.value is not None and bool(getattr(self.source, "complete", True))

    async def run(self, interval: float, on_update: Callable[[str], None]) -> None:
        """Read on this source's own schedule, for ever; `on_update(name)` after every read
        (good or failed), so its panel redraws as soon as it answers."""
        while True:
            value, error = self.value, self.error
            # The same answer (the watch cache hands back its last snapshot object while
            # nothing changed) redraws nothing; identity, since comparing 10k pods costs.
            if await self.tick() and (self.value is not value or self.error != error):
                on_update(self.name)
            await asyncio.sleep(self._pause(interval))

    def _pause(self, interval: float) -> float:
        """Until this source's next read is due, and at least `interval`: a source read every
        10 s, or backing off for 30, need not wake every tick only to skip it. Past the due
        time by a hair, since a timer may fire a hair early and the read would then wait a
        whole tick more."""
        due = max(self._last_read + self.every, self._next_attempt)
        left = due - self.monotonic()
        return left + _PAST_DUE if left > interval else interval

    def give_up(self, message: str) -> None:
        """Mark the source as not read (a caller's deadline passed before it answered)."""
        self.timed_out = True
        self._failed(message)

    def _failed(self, message: str) -> None:
        # A safety net under every source's own redaction: an error never carries a secret.
        message = redact(message)
        self.error = message
        if self.failing_since is None:
            self.failing_since = self.clock()
        self._backoff = min(BACKOFF_MAX_SECONDS, max(BACKOFF_START_SECONDS, self._backoff * 2))
        self._next_attempt = self.monotonic() + self._backoff

    def health(self) -> SourceHealth:
        return SourceHealth(
            name=self.name,
            configured=self.configured,
            ok=self.configured and self.error is None and self.fetched_at is not None,
            error=self.error if self.configured else None,
            fetched_at=self.fetched_at,
            failing_since=self.failing_since,
            detail=self._detail(),
            every=self.every,
            insecure=(getattr(self.source, "insecure", None) or self.insecure)
            if self.configured
            else None,
        )

    def _detail(self) -> str | None:
        if self.describe is not None and self.value is not None:
            return self.describe(self.value)
        return self.detail

    async def close(self) -> None:
        if self.source is not None:
            await self.source.close()
