"""The app's targets: the one every screen shows, the fleet's view of them all, and the sources
whose answers redraw the screens."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.reactive import var

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import FleetView
from oc_console.sanitize import clean
from oc_console.services.console import Console
from oc_console.services.fleet import Fleet

# After a cluster change, redraw at most this often: 50 pod events/s must not mean 50 redraws.
KUBE_REDRAW_SECONDS = 0.5


class TargetsApp(App[None]):
    """What the screens show and where it comes from; the app proper sets these up."""

    service: Console  # with several targets, the one every screen shows
    fleet: Fleet | None
    fleet_view: FleetView | None
    poll_sources: bool  # off in tests that show a recorded snapshot

    # a var, not a reactive: a new snapshot must not repaint the whole app, only what changed
    snapshot: var[ConsoleSnapshot | None] = var(None, always_update=True)

    def consoles(self) -> tuple[Console, ...]:
        """Every target's console (the one shown alone without a fleet)."""
        return tuple(self.fleet.members.values()) if self.fleet else (self.service,)

    def start_reading(self) -> None:
        """Each source reads in its own task; whichever answers redraws at once, so a hung
        source never holds another's panel."""
        if self.fleet is not None:  # each target reads on its own; any answer redraws
            self.fleet.subscribe(lambda _target, source: self._source_answered(source))
            self.fleet.start()
        else:
            self.service.subscribe(self._source_answered)
            self.service.start()
        self.run_worker(self._follow_cluster(), group="kube-changes", exit_on_error=False)

    def _source_answered(self, _source: str) -> None:
        self.snapshot = self._latest()
        if self.fleet is not None and self.snapshot.fleet is not None:
            # the other targets start reading once this frame is painted (Fleet.start)
            self.call_after_refresh(self.fleet.shown_on_screen)

    def _latest(self) -> ConsoleSnapshot:
        if self.fleet is not None:  # before the snapshot, which the Overview shows it with
            self.fleet_view = self.fleet.view()
        return self.service.latest()  # the incident notes what appeared or cleared

    def focus_target(self, name: str) -> None:
        """Every screen on target `name` (a finding's, before acting on it); '' is no target."""
        if self.fleet is not None and name and name != self.fleet.focused:
            self.service = self.fleet.focus(name)
            self.snapshot = self._latest()

    def narrow_to(self, text: str) -> None:
        """`:ctx NAME` shows one target, `:ctx *` all of them again."""
        from oc_console.errors import UserError

        if self.fleet is None:
            self.notify("one target only: :ctx needs several (--context a,b)", severity="warning")
            return
        try:
            self.service = self.fleet.narrow(text)
        except UserError as exc:
            self.notify(clean(str(exc)), severity="error", markup=False)
            return
        self.snapshot = self._latest()

    async def _follow_cluster(self) -> None:
        """Redraw within a second of a cluster change instead of waiting for the next tick."""
        generation = 0
        while True:
            changed = await self.service.wait_for_kube_change(generation, timeout=5.0)
            if changed != generation:
                generation = changed
                self.snapshot = await self.service.refresh_kube()
                await asyncio.sleep(KUBE_REDRAW_SECONDS)

    def refresh_data(self) -> None:
        """Read every source now; each answers into the snapshot on its own."""
        (self.fleet or self.service).poke()
