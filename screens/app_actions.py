"""The app's side of actions: the service runs them; the app shows their progress and outcome,
warns of one a dead console left unfinished, and asks before quitting over one still running."""

from __future__ import annotations

import asyncio

from textual.reactive import var
from textual.timer import Timer

from oc_console.sanitize import clean
from oc_console.screens.actions import notify_outcome
from oc_console.screens.app_targets import TargetsApp
from oc_console.screens.base import ConsoleScreen
from oc_console.services.action_service import INTERRUPT_SECONDS, ActionRun


class ActionsApp(TargetsApp):
    unfinished: list[dict[str, object]]

    # bumped when an action starts, progresses or ends, and each second while one runs
    actions_changed: var[int] = var(0, always_update=True)
    # the header's seconds, only while an action runs: an idle console has nothing to count
    _seconds: Timer | None = None

    def follow_actions(self) -> None:
        """Every target's actions: their changes, and the header's seconds while one runs."""
        for console in self.consoles():
            console.actions.subscribe(self._action_changed)
        self.run_worker(self._unfinished_notice(), group="audit", exit_on_error=False)

    async def _unfinished_notice(self) -> None:
        """An action whose console died mid-way (a start record without an end) is shown on
        the Overview at start, until someone has looked at its target."""
        self.unfinished = await self.service.unfinished_actions()
        for r in self.unfinished[:3]:
            target = r.get("target") or {}
            name = f"{target.get('kind')}/{target.get('name')}" if isinstance(target, dict) else ""
            self.notify(
                clean(f"{r.get('action')} {name} started {str(r.get('at', ''))[:19]} by "
                      f"{r.get('user')} never finished: check it (oc-console audit)"),
                title="unfinished action", severity="error", timeout=60,
            )  # fmt: skip

    def _action_changed(self, run: ActionRun) -> None:
        self.actions_changed += 1
        self._count_seconds_while_running()
        if run.status == "interrupted":  # only on the way out: the app is going
            return
        if not run.running:
            notify_outcome(self, run)
            self.refresh_data()
            for screen in self.screen_stack:
                if isinstance(screen, ConsoleScreen):
                    screen.refresh_after_action(run)

    def _running_actions(self) -> list[ActionRun]:
        """Every target's running actions: quitting interrupts them all."""
        return [run for console in self.consoles() for run in console.actions.running()]

    def _count_seconds_while_running(self) -> None:
        running = bool(self._running_actions())
        if running and self._seconds is None:
            self._seconds = self.set_interval(1.0, self._tick_actions)
        elif not running and self._seconds is not None:
            self._seconds.stop()
            self._seconds = None

    def _tick_actions(self) -> None:
        if self._running_actions():
            self.actions_changed += 1  # the header's seconds
        else:  # ended without a word to the app (it says so for every end it sees)
            self._count_seconds_while_running()

    def action_recent_actions(self) -> None:
        from oc_console.screens.recent_actions import RecentActionsScreen

        if not isinstance(self.screen, RecentActionsScreen):
            self.push_screen(RecentActionsScreen())

    # --- quitting with an action running ---
    async def action_quit(self) -> None:
        """q, ctrl+c, :q. With an action running, ask first; ctrl+c on the question quits."""
        from oc_console.screens.confirm import QuitScreen

        running = self._running_actions()
        if not running:
            self.exit()
        elif isinstance(self.screen, QuitScreen):
            self.screen.dismiss(True)
        else:
            lines = [f"{r.title} {int(r.elapsed())}s" for r in running]
            self.push_screen(QuitScreen(lines), self._quit_answered)

    def _quit_answered(self, anyway: bool | None) -> None:
        if anyway:
            self.run_worker(self._interrupt_and_exit(), group="quit", exit_on_error=False)

    async def _interrupt_and_exit(self) -> None:
        """The engine writes each end record ("interrupted") and gives the Lease back before
        the app goes; an action that cannot within the bound is left to the next start's
        "never finished" notice."""
        self.notify("interrupting the running actions…", timeout=INTERRUPT_SECONDS)
        await asyncio.gather(*(c.actions.interrupt(INTERRUPT_SECONDS) for c in self.consoles()))
        self.exit()
