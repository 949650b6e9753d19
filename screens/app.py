"""The Textual app: modes, global keys, the palette, notifications, the way out. Targets
and sources (app_targets), actions (app_actions) and the `:` line (command_line) have their own
modules; screens do the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import partial

from rich.console import RenderableType
from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from oc_console.domain.targets import FleetView
from oc_console.sanitize import clean
from oc_console.screens.adapters import AdaptersScreen
from oc_console.screens.alerts import AlertsScreen
from oc_console.screens.app_actions import ActionsApp
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.certificates import CertificatesScreen
from oc_console.screens.changes import ChangesScreen
from oc_console.screens.command_line import SCREEN_NAMES, run_command_line
from oc_console.screens.database import DatabaseScreen
from oc_console.screens.events import EventsScreen
from oc_console.screens.help import HelpScreen, key_groups
from oc_console.screens.orders import OrdersScreen
from oc_console.screens.overview import OverviewScreen
from oc_console.screens.releases import ReleasesScreen
from oc_console.services.console import Console
from oc_console.services.fleet import Fleet

# A notification shown at least this long goes away on the next key; a younger one may not
# have been read yet (it arrived as the key was typed).
NOTE_MIN_SECONDS = 1.0


__all__ = ["SCREEN_NAMES", "ConsoleApp", "make_app"]


class ConsoleApp(ActionsApp):
    TITLE = "oc-console"
    # notifications are one line at 80 columns, stacked low, never a 40-column pile of
    # wrapped lines over the tables
    CSS = """
    Toast { width: auto; max-width: 100%; padding: 0 1; margin-top: 0; }
    """
    MODES = {
        "overview": OverviewScreen,
        "database": DatabaseScreen,
        "adapters": AdaptersScreen,
        "events": EventsScreen,
        "certificates": CertificatesScreen,
        "alerts": AlertsScreen,
        "changes": ChangesScreen,
        "releases": ReleasesScreen,
        "orders": OrdersScreen,
    }
    DEFAULT_MODE = "overview"
    BINDINGS = [
        Binding("q", "quit", "quit", id="app.quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True, id="app.interrupt"),
        Binding("question_mark", "help", "help", id="app.help"),
        Binding("escape", "back", "back", show=False, id="app.back"),
        # a screen's number also brings it back to its list from a detail opened on it
        Binding("1", "goto('overview')", "overview", id="app.overview"),
        Binding("2", "goto('database')", "db", id="app.database"),
        Binding("3", "goto('adapters')", "adapters", id="app.adapters"),
        Binding("4", "goto('events')", "events", id="app.events"),
        Binding("5", "goto('certificates')", "certs", id="app.certificates"),
        # off the footer, whose 80 columns are taken; `?` and the palette list them
        Binding("6", "goto('orders')", "orders", show=False, id="app.orders"),
        Binding("7", "goto('releases')", "releases", id="app.releases"),
        Binding("o", "order_prompt", "order lookup", show=False, id="app.order"),
        Binding("8", "goto('changes')", "changes", id="app.changes"),
        Binding("ctrl+r", "refresh_now", "refresh", show=False, id="app.refresh"),
        Binding("H", "handoff", "hand-off", show=False, id="app.handoff"),
        Binding("N", "note_prompt", "incident note", show=False, id="app.note"),
        Binding("A", "shared_audit", "shared audit", show=False, id="app.shared_audit"),
    ]

    def __init__(
        self, console: Console, *, poll_sources: bool = True, fleet: Fleet | None = None
    ) -> None:
        super().__init__()
        self.service = console  # with several targets, the one every screen shows
        self.fleet = fleet
        self.fleet_view: FleetView | None = None
        self.poll_sources = poll_sources  # off in tests that show a recorded snapshot
        self.unfinished: list[dict[str, object]] = []
        self._exiting: list[Callable[[], None]] = []
        keys = console.config.ui.keys
        if keys:
            self.set_keymap(keys)

    def on_mount(self) -> None:
        self.snapshot = self._latest()
        self.follow_actions()
        if self.poll_sources:
            self.start_reading()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._drop_read_notifications()
        await super().on_event(event)

    def _drop_read_notifications(self) -> None:
        """Notifications go away on the next key, once they have been up long enough to read."""
        import time

        now = time.time()
        read = [n for n in self._notifications if now - n.raised_at >= NOTE_MIN_SECONDS]
        for note in read:
            self._unnotify(note, refresh=False)
        if read:
            self._refresh_notifications()

    def action_refresh_now(self) -> None:
        self.refresh_data()

    def action_handoff(self) -> None:
        self.run_worker(self._handoff(), group="handoff", exclusive=True, exit_on_error=False)

    async def _handoff(self) -> None:
        """The incident hand-off (what `oc-console handoff` writes), to a file; its path in a
        notification."""
        try:
            path, _title = await self.service.write_handoff()
        except Exception as exc:  # a database or disk error: one line, the console goes on
            self.notify(clean(f"hand-off not written: {exc}"), severity="error")
            return
        self.notify(clean(f"hand-off written to {path}"))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        name = getattr(screen, "HELP_NAME", "") or self.current_mode
        self.push_screen(HelpScreen(name, key_groups(screen)))

    def action_goto(self, mode: str) -> None:
        """Switch to a screen's list: its own number on a detail returns to the list."""
        if mode != self.current_mode:
            for screen in self.screen_stack:
                if isinstance(screen, ConsoleScreen):
                    screen.drop_filters()
            self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # synchronous on purpose (screens call it directly); Textual's own is a coroutine, and
    # its dispatcher runs either
    def action_back(self) -> None:  # type: ignore[override]
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.current_mode != "overview":
            self.switch_mode("overview")

    def run_command_line(self, line: str) -> None:
        """`:` commands, k9s style."""
        run_command_line(self, line)

    def action_order_prompt(self, word: str = "order") -> None:
        """`o`: the command line, already saying `order ` (`N`: `note `)."""
        from oc_console.screens.base import ConsoleScreen
        from oc_console.screens.widgets.prompt import Prompt

        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            prompt = screen.query_one(Prompt)
            prompt.open("command", f"{word} ", return_focus=screen.focused)

    def action_note_prompt(self) -> None:
        self.action_order_prompt("note")

    def action_shared_audit(self) -> None:
        from oc_console.screens.shared_audit import SharedAuditScreen

        if not isinstance(self.screen, SharedAuditScreen):
            self.push_screen(SharedAuditScreen())

    def open_order(self, text: str) -> None:
        """The timeline of an order, or one line saying why the ID is refused."""
        from oc_console.errors import UserError
        from oc_console.screens.timeline import TimelineScreen

        try:
            order_id = self.service.check_order_id(text)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        self.push_screen(TimelineScreen(order_id))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's panel outlives the palette: ours is `?`
                yield command
        yield SystemCommand("Keys", "Every key of this screen (?)", self.action_help)
        yield SystemCommand(
            "Overview", "Findings across the fleet", partial(self.switch_mode, "overview")
        )
        yield SystemCommand(
            "Database",
            "Pool, idle transactions, blocking tree",
            partial(self.switch_mode, "database"),
        )
        for title, mode, help_text in (
            ("Adapters", "adapters", "One row per platform: replicas, restarts, signals"),
            ("Events", "events", "Warnings first, newest first"),
            ("Certificates", "certificates", "Soonest expiry first"),
            ("Alerts", "alerts", "What Alertmanager pages for, and what explains it"),
            ("Changes", "changes", "Rollouts, rescaling, renewals, Helm revisions on one axis"),
            ("Releases", "releases", "Helm revisions, drift, digest pinning, Argo CD"),
            ("Orders", "orders", "Orders that failed or are stuck, by platform and error"),
        ):
            yield SystemCommand(title, help_text, partial(self.switch_mode, mode))
        yield SystemCommand(
            "Order lookup", "One order's timeline: type its ID", self.action_order_prompt
        )
        yield SystemCommand(
            "Actions", "Running and recent actions, in the audit's words (:actions)",
            self.action_recent_actions,
        )  # fmt: skip
        yield SystemCommand(
            "Incident note", "A timestamped note, audited (N)", self.action_note_prompt
        )
        yield SystemCommand(
            "Shared audit", "Every engineer's actions, newest first (A)", self.action_shared_audit
        )
        yield SystemCommand("Refresh now", "Read every source again", self.refresh_data)

    def when_exiting(self, callback: Callable[[], None]) -> None:
        """`callback()` as the app starts leaving (the command line bounds the way out from
        then), so nothing has to keep looking whether it has."""
        self._exiting.append(callback)

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        super().exit(result, return_code, message)
        self._started_leaving()

    def _started_leaving(self) -> None:
        for callback in self._exiting:
            callback()

    async def on_unmount(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        # a crash ends the app without exit(): its return code is set all the same
        self._started_leaving()
        await (self.fleet or self.service).close()
        # On the way out, asyncio.run joins the default executor's threads: one still blocked
        # (a source on a dead server, or waiting for a cluster's first answers) would hold the
        # quit that close() gave up waiting for. Those threads are left to the process's exit.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())


def make_app(
    console: Console, *, poll_sources: bool = True, fleet: Fleet | None = None
) -> ConsoleApp:
    """The one way to build the app: the CLI and the tests both use it. With `fleet`,
    `console` is the target shown first."""
    return ConsoleApp(console, poll_sources=poll_sources, fleet=fleet)
