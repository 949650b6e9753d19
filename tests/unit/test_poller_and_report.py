from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from oc_console.cli.report import check_json, exit_code
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.services.poller import Poller

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FlakySource:
    name = "flaky"

    def __init__(self) -> None:
        self.fail = False
        self.calls = 0

    async def fetch(self) -> int:
        self.calls += 1
        if self.fail:
            raise SourceError("down")
        return self.calls

    async def close(self) -> None:
        pass


async def test_poller_backs_off_and_keeps_last_value() -> None:
    clock = [0.0]
    src = FlakySource()
    poller = Poller(src, "flaky", clock=lambda: NOW, monotonic=lambda: clock[0])
    assert await poller.tick() and poller.value == 1
    src.fail = True
    assert await poller.tick()
    assert poller.value == 1 and poller.health().status == "stale"
    assert not await poller.tick()  # within the 1 s backoff: skipped
    clock[0] = 1.5
    assert await poller.tick()  # second failure: backoff doubles to 2 s
    clock[0] = 3.0
    assert not await poller.tick()
    src.fail = False
    clock[0] = 3.6
    assert await poller.tick() and poller.health().status == "ok" and poller.value == 4


async def test_unconfigured_poller_never_fetches() -> None:
    poller: Poller[int] = Poller(None, "traces")
    assert not await poller.tick(force=True)
    assert poller.health().status == "not configured"


def snap(findings: tuple[Finding, ...], *sources: SourceHealth) -> ConsoleSnapshot:
    return ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, sources, None, findings)


def health(ok: bool, configured: bool = True) -> SourceHealth:
    return SourceHealth("postgres", configured, ok, None if ok else "down", None)


def finding(sev: Severity) -> Finding:
    return Finding("x", sev, "postgres", "s")


def test_exit_codes_follow_nagios() -> None:
    assert exit_code(snap((), health(True))) == 0
    assert exit_code(snap((finding(Severity.WARNING),), health(True))) == 1
    assert exit_code(snap((finding(Severity.WARNING),), health(False))) == 3
    assert exit_code(snap((finding(Severity.CRITICAL),), health(False))) == 2  # critical wins
    assert exit_code(snap((), health(False, configured=False))) == 0  # not configured != down


def test_check_json_shape() -> None:
    doc = check_json(snap((finding(Severity.WARNING), finding(Severity.CRITICAL)), health(True)))
    assert set(doc) >= {"generated_at", "sources", "adapters", "database", "certificates"}
    assert doc["sources"]["postgres"]["ok"] is True
    assert [f["severity"] for f in doc["findings"]] == ["critical", "warning"]


async def test_poller_reads_a_slow_source_at_most_every_n_seconds() -> None:
    clock = [0.0]
    src = FlakySource()
    poller = Poller(src, "prometheus", every=10, clock=lambda: NOW, monotonic=lambda: clock[0])
    assert await poller.tick()
    clock[0] = 9.0
    assert not await poller.tick()  # read 9 s ago: skipped
    assert await poller.tick(force=True)  # a refresh key still reads now
    clock[0] = 19.5
    assert await poller.tick() and src.calls == 3
    assert poller.health().every == 10


async def test_a_slow_source_is_read_when_due_not_at_the_next_tick_after() -> None:
    reads: list[float] = []

    class Timed(FlakySource):
        async def fetch(self) -> int:
            reads.append(asyncio.get_running_loop().time())
            return await super().fetch()

    poller = Poller(Timed(), "prometheus", every=0.3)
    task = asyncio.create_task(poller.run(0.25, lambda name: None))
    await asyncio.sleep(1.0)
    task.cancel()
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    # on the 0.25 s tick alone each read would wait for the tick after it was due (0.5 s)
    assert len(reads) == 4 and all(0.3 <= gap < 0.4 for gap in gaps), gaps
