"""The Docker source follows /events after its first list, against a real dockerd: a container
started later is seen from its event (no relist); when the daemon restarts the stream drops,
the source says it cannot read the Engine meanwhile, then relists and catches up."""

from __future__ import annotations

import asyncio
import time

import pytest
from docker_fixtures import Engine

from oc_console.config import ADAPTER_PATTERN, DockerConfig
from oc_console.domain.kube import FleetSnapshot
from oc_console.errors import SourceError
from oc_console.sources.docker.source import DockerSource

pytestmark = pytest.mark.integration
QUIET = 'trap "exit 0" TERM; while :; do sleep 1; done'
LABELS = {"com.docker.compose.project": "ev", "com.docker.compose.service": "openclaw-worker"}


def _pod(fleet: FleetSnapshot, name: str) -> str | None:
    """The container's state as the fleet shows it, or None when it is not there."""
    found = [p.containers[0].state for p in fleet.pods if p.name == name]
    return found[0] if found else None


async def _until(source: DockerSource, test: object, timeout: float = 60.0) -> FleetSnapshot:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fleet = await source.fetch()
            if test(fleet):  # type: ignore[operator]
                return fleet
        except SourceError:
            pass
        assert time.monotonic() < deadline, "the source did not catch up"
        await asyncio.sleep(0.2)


async def _down(source: DockerSource, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await source.fetch()
        except SourceError as exc:
            assert "Docker Engine" in str(exc)
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the source still answered with the Engine stopped")


async def test_events_are_followed_and_a_dropped_stream_relists(docker_engine: Engine) -> None:
    source = DockerSource(DockerConfig(host=docker_engine.url), ADAPTER_PATTERN, log_interval=3600)
    ids = []
    try:
        fleet = await source.fetch()
        (status,) = fleet.watches
        assert (status.kind, status.state, status.relists) == ("containers", "watching", 0)
        seen = await source.wait_for_change(-1, 0)
        ids.append(docker_engine.run("ev-1", QUIET, labels=LABELS))
        # the start's event wakes a waiter, and the next fetch shows it without a relist
        assert await source.wait_for_change(seen, 10.0) != seen
        fleet = await _until(source, lambda f: _pod(f, "ev-1") == "running", 10.0)
        assert fleet.watches[0].relists == 0

        docker_engine.stop_daemon()  # ev-1 stops with it; the stream drops
        try:  # while the Engine is away the source says so: never a stale view as current
            await _down(source)
        finally:
            docker_engine.start_daemon()
        ids.append(docker_engine.run("ev-2", QUIET, labels=LABELS))
        fleet = await _until(
            source, lambda f: _pod(f, "ev-2") == "running" and _pod(f, "ev-1") == "terminated"
        )
        (status,) = fleet.watches
        assert status.relists >= 1 and status.reconnects >= 1 and status.error is None
        assert status.state == "watching"
        # and it follows again after the relist
        docker_engine.http.post(f"/containers/{ids[0]}/start").raise_for_status()
        await _until(source, lambda f: _pod(f, "ev-1") == "running", 10.0)
    finally:
        await source.close()
        for cid in ids:
            docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
