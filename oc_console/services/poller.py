"""Polls one source: skips a tick while the last is running, backs off on errors, and keeps
the last good value with its age and the current error, so the UI can show stale data as stale."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from oc_console.domain.health import SourceHealth
from oc_console.errors import SourceError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Source(Protocol[T_co]):
    """One backend. `fetch` raises SourceError (a one-line message) when it cannot read."""

    name: str

    async def fetch(self) -> T_co: ...

    async def close(self) -> None: ...


class Poller(Generic[T]):
    def __init__(
        self,
        source: Source[T] | None,
        name: str,
        *,
        detail: str | None = None,
        every: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.source = source
        self.name = name
        self.detail = detail
        self.every = every  # seconds between reads at most; 0: every tick
        self._last_read = float("-inf")
        self.value: T | None = None
        self.fetched_at: datetime | None = None
        self.error: str | None = None
        self.failing_since: datetime | None = None
        self._clock = clock
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._running = False
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
        now = self._monotonic()
        if not force and (now < self._next_attempt or now < self._last_read + self.every):
            return False
        self._last_read = now
        self._running = True
        try:
            value = await self.source.fetch()
        except SourceError as exc:
            self._failed(str(exc))
        except Exception as exc:  # a source bug must not take the console down
            self._failed(f"{type(exc).__name__}: {exc}".splitlines()[0])
        else:
            self.value = value
            self.fetched_at = self._clock()
            self.error = None
            self.failing_since = None
            self._backoff = 0.0
            self._next_attempt = 0.0
        finally:
            self._running = False
        return True

    def _failed(self, message: str) -> None:
        self.error = message
        if self.failing_since is None:
            self.failing_since = self._clock()
        self._backoff = min(BACKOFF_MAX_SECONDS, max(BACKOFF_START_SECONDS, self._backoff * 2))
        self._next_attempt = self._monotonic() + self._backoff

    def health(self) -> SourceHealth:
        return SourceHealth(
            name=self.name,
            configured=self.configured,
            ok=self.configured and self.error is None and self.fetched_at is not None,
            error=self.error if self.configured else None,
            fetched_at=self.fetched_at,
            failing_since=self.failing_since,
            detail=self.detail,
            every=self.every,
        )

    async def close(self) -> None:
        if self.source is not None:
            await self.source.close()
