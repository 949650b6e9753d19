"""Several targets at once: one facade (its own sources, scheduler, history, analysis and
actions) per target, composed here. Nothing is shared between them but the audit log, so a
target whose API server hangs holds only its own pollers: every other target reads, answers
and redraws on its own schedule, and `check` waits for no target past its deadline."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence

from oc_console.config import Config
from oc_console.domain.orders import OrderTimeline
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import FleetView, TargetSnapshot
from oc_console.errors import UserError
from oc_console.runbook.audit import AuditLog
from oc_console.services.console import CLOSE_SECONDS, Console

# How long the other targets wait for the shown one's cluster to be on screen before they start
# reading, and how often they look: 10k pods take 1.5-3 s to list and parse on these machines,
# and a shown cluster that hangs must not keep the others dark for longer.
HEAD_START_SECONDS = 2.0
HEAD_POLL_SECONDS = 0.02


def _named(name: str, snap: ConsoleSnapshot) -> TargetSnapshot:
    """The snapshot with each finding naming its target, so a finding read across the fleet
    still says where it was found (and where a runbook started from it must act)."""
    findings = tuple(dataclasses.replace(f, target_name=name) for f in snap.findings)
    return TargetSnapshot(name, dataclasses.replace(snap, findings=findings))


def _named_config(name: str, config: Config) -> Config:
    if config.kubernetes.name:
        return config
    kube = config.kubernetes.model_copy(update={"name": name})
    return config.model_copy(update={"kubernetes": kube})


def _from(target: str, listener: Callable[[str, str], None]) -> Callable[[str], None]:
    return lambda source: listener(target, source)


class Fleet:
    def __init__(self, members: Sequence[tuple[str, Console]]) -> None:
        if not members:
            raise ValueError("a fleet has at least one target")
        self.members = dict(members)
        # What the screens show: the list screens list every target's rows, the others (a
        # database, a detail, the header) the focused target; `:ctx NAME` pins one (every
        # screen shows it only), `:ctx *` widens the lists to every target again.
        self.focused = next(iter(self.members))
        self.pinned = False
        # Each target's last snapshot for the fleet line, built again only after one of its
        # sources answered: a redraw costs one target's analysis, not every target's.
        self._views: dict[str, TargetSnapshot] = {}
        self._answered: set[str] = set(self.members)
        self._head_start: asyncio.Future[None] | None = None
        self._shown = asyncio.Event()
        self._started: set[str] = set()
        self._interval: float | None = None
        for name, console in self.members.items():
            console.subscribe(_from(name, lambda target, _source: self._answered.add(target)))

    @classmethod
    def from_configs(
        cls, configs: Sequence[tuple[str, Config]], *, audit: AuditLog | None = None
    ) -> Fleet:
        """One Console per target; `audit`, one log for all (each record names its target:
        the name it has here, unless its config names it already)."""
        shared = audit or AuditLog(shared_dsn=configs[0][1].audit.dsn if configs else None)
        return cls([(name, Console(_named_config(name, cfg), audit=shared))
                    for name, cfg in configs])  # fmt: skip

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.members)

    def console(self, name: str) -> Console:
        return self.members[name]

    @property
    def current(self) -> Console:
        return self.members[self.focused]

    def focus(self, name: str) -> Console:
        """Show `name` on every screen (a finding's target, before acting on it)."""
        if name not in self.members:
            raise UserError(f"no target named {name!r} (have: {', '.join(self.members)})")
        self.focused = name
        if self._started:  # shown before its head start is over: it reads now
            self._start(name)
        return self.current

    def narrow(self, text: str) -> Console:
        """`:ctx NAME` shows one target only; `:ctx *` (or nothing) every target again."""
        name = text.strip()
        if name in ("", "*"):
            self.pinned = False
            return self.current
        console = self.focus(name)
        self.pinned = True
        return console

    def view(self) -> FleetView:
        """Every target's latest, and which one the screens show (always built afresh: its
        cluster's watch changes it between its sources' answers)."""
        for name in self._answered | {self.focused}:
            self._views[name] = _named(name, self.members[name].snapshot())
        self._answered.clear()
        return FleetView(tuple(self._views[n] for n in self.members), self.focused, self.pinned)

    def set_include_queries(self, value: bool) -> None:
        for console in self.members.values():
            console.include_queries = value

    def subscribe(self, listener: Callable[[str, str], None]) -> None:
        """`listener(target, source)` after each read of one source of one target."""
        for name, console in self.members.items():
            console.subscribe(_from(name, listener))

    def start(self, interval: float | None = None) -> None:
        """The shown target reads first; the others start once its cluster is on screen
        (`shown_on_screen`), or has failed, or HEAD_START_SECONDS have passed, so a hung
        cluster holds no other back for long. Listing is CPU-bound (10k pods: a second or more
        of parsing on the one interpreter): clusters listed at once would put the first frame
        where the last cluster lands instead of where the shown one does."""
        self._interval = interval
        self._start(self.focused)
        if len(self._started) < len(self.members):
            self._head_start = asyncio.ensure_future(self._start_after_head())

    def _start(self, name: str) -> None:
        if name not in self._started:
            self._started.add(name)
            self.members[name].start(self._interval)

    def shown_on_screen(self) -> None:
        """The screens painted the shown target's cluster: the other targets may read now."""
        self._shown.set()

    async def _start_after_head(self) -> None:
        kube = self.current.kube
        waited = 0.0
        while kube.configured and kube.error is None and not self._shown.is_set():
            if waited >= HEAD_START_SECONDS:
                break
            await asyncio.sleep(HEAD_POLL_SECONDS)
            waited += HEAD_POLL_SECONDS
        for name in self.members:
            self._start(name)

    def poke(self) -> None:
        """Read now, on the targets that read already (one still waiting for its head start
        reads when it starts)."""
        for name in self._started:
            self.members[name].poke()

    def snapshots(self) -> tuple[TargetSnapshot, ...]:
        """Each target's latest, in the configured order; reading them changes nothing."""
        return tuple(_named(name, c.snapshot()) for name, c in self.members.items())

    async def collect(self, timeout: float) -> tuple[TargetSnapshot, ...]:
        """`check`: every target collected at once, each within the same deadline."""
        names = list(self.members)
        snaps = await asyncio.gather(*(self.members[n].collect(timeout) for n in names))
        return tuple(_named(n, s) for n, s in zip(names, snaps, strict=True))

    async def lookup_order(
        self, order_id: str, on_update: Callable[[OrderTimeline], None] | None = None
    ) -> OrderTimeline:
        """The order looked up on the target whose database knows it (see fleet_orders)."""
        from oc_console.services.fleet_orders import fleet_lookup

        return await fleet_lookup(self.members, self.focused, order_id, on_update)

    def _cancel_head_start(self) -> None:
        if self._head_start is not None:
            self._head_start.cancel()

    async def stop(self) -> None:
        self._cancel_head_start()
        await asyncio.gather(*(c.stop() for c in self.members.values()))

    async def close(self, grace: float = CLOSE_SECONDS) -> None:
        self._cancel_head_start()
        await asyncio.gather(*(c.close(grace) for c in self.members.values()))
