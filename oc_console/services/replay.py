"""The facade on a recording (`oc-console replay FILE`): the screens call the same methods as
on a live console, and what answers is the replay player instead of the pollers. It is the
second implementation behind the facade's seam, so no screen asks which one it has.

Read-only through and through: its configuration says so (no action key is bound, and the
runbook engine refuses every action it is handed), and it has no source configured, so
nothing is read from, let alone written to, any backend. The recorded log tails are served as
the logs; order lookups were not recorded and say so."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from oc_console.config import Config
from oc_console.domain.kube import LogLine
from oc_console.domain.orders import OrderTimeline, PartStatus
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog
from oc_console.services.console import CLOSE_SECONDS, Console
from oc_console.services.replay_player import ReplayPlayer

PLAY_TICK_SECONDS = 0.25
NOT_RECORDED = "not in the recording: only the adapters' newest log lines are kept"


def offline(config: Config) -> Config:
    """The same thresholds, runbooks and keys, read-only, with no source to read."""
    return config.model_copy(
        update={
            "read_only": True,
            "kubernetes": config.kubernetes.model_copy(update={"kubeconfig": None}),
            "postgres": config.postgres.model_copy(update={"dsn": None}),
            "prometheus": config.prometheus.model_copy(update={"url": None}),
            "traces": config.traces.model_copy(update={"url": None}),
            "alertmanager": config.alertmanager.model_copy(update={"url": None}),
            "openclaw": config.openclaw.model_copy(update={"api": None}),
            "tls": config.tls.model_copy(update={"endpoints": (), "ingresses": False}),
            "audit": config.audit.model_copy(update={"dsn": None}),
            "docker": config.docker.model_copy(update={"host": None}),
        }
    ).with_environ({"HOME": "/nonexistent"})  # no ~/.kube/config, no PG*, no $DOCKER_HOST


class RecordedLog:
    """A recorded log tail served as a followed log that has ended."""

    def __init__(self, lines: tuple[LogLine, ...]) -> None:
        self._lines = lines
        self.received = len(lines)
        self.error: str | None = None
        self.ended = True

    def lines(self) -> tuple[LogLine, ...]:
        return self._lines

    def stop(self, timeout: float = 2.0) -> None:
        return None


class ReplayConsole(Console):
    def __init__(
        self, config: Config, player: ReplayPlayer, *, audit: AuditLog | None = None
    ) -> None:
        context = str(player.recording.header.get("context") or "-")
        super().__init__(offline(config), context_label=context, audit=audit,
                         clock=lambda: player.at)  # fmt: skip
        self.player = player
        self._listeners: list[Callable[[str], None]] = []
        self._playing: asyncio.Task[None] | None = None
        player.listeners.append(self._moved)

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener("replay")

    # --- the seam: the player answers where the sources would -----------------------------
    def subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def start(self, interval: float | None = None) -> None:
        if self._playing is None:
            self._playing = asyncio.get_running_loop().create_task(self._play())

    async def _play(self) -> None:
        while True:
            await asyncio.sleep(PLAY_TICK_SECONDS)
            self.player.advance(PLAY_TICK_SECONDS)

    def poke(self) -> None:
        self._moved()  # nothing to read again: the frame shown is redrawn

    async def stop(self) -> None:
        if self._playing is not None:
            self._playing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._playing
            self._playing = None

    def snapshot(self) -> ConsoleSnapshot:
        return self.player.snapshot()

    def latest(self) -> ConsoleSnapshot:
        return self.snapshot()

    async def collect(self, timeout: float) -> ConsoleSnapshot:
        return self.snapshot()

    async def refresh(self, *, force: bool = False) -> ConsoleSnapshot:
        return self.snapshot()

    async def fresh(self, first_data_within: float = 10.0) -> ConsoleSnapshot:
        return self.snapshot()

    async def refresh_kube(self) -> ConsoleSnapshot:
        return self.snapshot()

    async def wait_for_kube_change(self, after: int, timeout: float) -> int:
        await asyncio.sleep(timeout)  # the player says when the frame moves
        return after

    async def unfinished_actions(self) -> list[dict[str, Any]]:
        return []  # this console acts on nothing: another's unfinished action is not its news

    async def close(self, grace: float = CLOSE_SECONDS) -> None:
        await self.stop()
        await self.actions.interrupt(grace)

    # --- what was recorded, and what was not ----------------------------------------------
    async def lookup_order(
        self, order_id: str, on_update: Callable[[OrderTimeline], None] | None = None
    ) -> OrderTimeline:
        order_id = self.check_order_id(order_id)
        missing = PartStatus("recording", False, "order lookups are not replayed", 0.0)
        timeline = OrderTimeline(order_id, sources=(missing,), done=True)
        if on_update is not None:
            on_update(timeline)
        return timeline

    def _recorded_tail(
        self, namespace: str, pod: str, container: str, previous: bool
    ) -> tuple[LogLine, ...]:
        fleet = self.player.frame().inputs.fleet
        for tail in fleet.logs if fleet is not None else ():
            if (tail.namespace, tail.pod, tail.previous) == (namespace, pod, previous) and (
                not container or tail.container == container
            ):
                return tail.lines
        raise SourceError(NOT_RECORDED)

    async def log_tail(
        self, namespace: str, pod: str, container: str, *, previous: bool = False, tail: int = 500
    ) -> tuple[LogLine, ...]:
        return self._recorded_tail(namespace, pod, container, previous)[-tail:]

    def follow_logs(
        self, namespace: str, pod: str, container: str, *, tail: int = 2000
    ) -> RecordedLog:
        return RecordedLog(self._recorded_tail(namespace, pod, container, False)[-tail:])
