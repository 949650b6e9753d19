"""The Textual app: modes, global keys, the palette, and the refresh loop. Screens do the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import FleetView
from oc_console.sanitize import clean
from oc_console.screens.actions import notify_outcome
from oc_console.screens.adapters import AdaptersScreen
from oc_console.screens.alerts import AlertsScreen
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.certificates import CertificatesScreen
from oc_console.screens.changes import ChangesScreen
from oc_console.screens.database import DatabaseScreen
from oc_console.screens.events import EventsScreen
from oc_console.screens.help import HelpScreen, key_groups
from oc_console.screens.orders import OrdersScreen
from oc_console.screens.overview import OverviewScreen
from oc_console.screens.releases import ReleasesScreen
from oc_console.services.action_service import INTERRUPT_SECONDS, ActionRun
from oc_console.services.console import Console
from oc_console.services.fleet import Fleet

SCREEN_NAMES = {
    "overview": "overview",
    "db": "database",
    "database": "database",
    "pg": "database",
    "adapters": "adapters",
    "adapter": "adapters",
    "deploy": "adapters",
    "events": "events",
    "ev": "events",
    "certs": "certificates",
    "cert": "certificates",
    "certificates": "certificates",
    "alerts": "alerts",
    "pages": "alerts",
    "changes": "changes",
    "change": "changes",
    "releases": "releases",
    "release": "releases",
    "helm": "releases",
    "orders": "orders",
}
# After a cluster change, redraw at most this often: 50 pod events/s must not mean 50 redraws.
KUBE_REDRAW_SECONDS = 0.5
# A notification shown at least this long goes away on the next key; a younger one may not
# have been read yet (it arrived as the key was typed).
NOTE_MIN_SECONDS = 1.0


class ConsoleApp(App[None]):
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

    # a var, not a reactive: a new snapshot must not repaint the whole app, only what changed
    snapshot: var[ConsoleSnapshot | None] = var(None, always_update=True)
    # bumped when an action starts, progresses or ends, and each second while one runs
    actions_changed: var[int] = var(0, always_update=True)

    def __init__(
        self, console: Console, *, poll_sources: bool = True, fleet: Fleet | None = None
    ) -> None:
        super().__init__()
        self.service = console  # with several targets, the one every screen shows
        self.fleet = fleet
        self.fleet_view: FleetView | None = None
        self.poll_sources = poll_sources  # off in tests that show a recorded snapshot
        self.unfinished: list[dict[str, object]] = []
        keys = console.config.ui.keys
        if keys:
            self.set_keymap(keys)

    def on_mount(self) -> None:
        self.snapshot = self._latest()
        for console in self.fleet.members.values() if self.fleet else (self.service,):
            console.actions.subscribe(self._action_changed)
        self.set_interval(1.0, self._tick_actions)
        self.run_worker(self._unfinished_notice(), group="audit", exit_on_error=False)
        if not self.poll_sources:
            return
        # Each source reads in its own task; whichever answers redraws at once, so a hung
        # source never holds another's panel.
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

    # --- actions: owned by the service; the app shows them and asks before quitting ---
    def _action_changed(self, run: ActionRun) -> None:
        self.actions_changed += 1
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
        consoles = self.fleet.members.values() if self.fleet else (self.service,)
        return [run for console in consoles for run in console.actions.running()]

    def _tick_actions(self) -> None:
        if self._running_actions():
            self.actions_changed += 1  # the header's seconds

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
        consoles = self.fleet.members.values() if self.fleet else (self.service,)
        await asyncio.gather(*(c.actions.interrupt(INTERRUPT_SECONDS) for c in consoles))
        self.exit()

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

    def action_recent_actions(self) -> None:
        from oc_console.screens.recent_actions import RecentActionsScreen

        if not isinstance(self.screen, RecentActionsScreen):
            self.push_screen(RecentActionsScreen())

    def refresh_data(self) -> None:
        """Read every source now; each answers into the snapshot on its own."""
        (self.fleet or self.service).poke()

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
        word = line.partition(" ")[0].lower()
        if word in ("q", "quit"):
            self.call_next(self.action_quit)
        elif word == "q!":  # vi's: quit now, interrupting what runs (audited, Lease released)
            self._quit_answered(True)
        elif word in ("actions", "action"):
            self.action_recent_actions()
        elif word in ("help", "?"):
            self.action_help()
        elif word == "order":
            self.open_order(line.partition(" ")[2].strip())
        elif word == "ctx":
            self.narrow_to(line.partition(" ")[2])
        elif word in ("note", "incident"):
            self._incident_command(word, line.partition(" ")[2].strip())
        elif word in SCREEN_NAMES:
            self.action_goto(SCREEN_NAMES[word])
        elif word:
            self.notify(
                f"unknown command ':{clean(word)}' (try :help)", severity="warning", markup=False
            )

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

    def _incident_command(self, word: str, rest: str) -> None:
        """`:note TEXT` (what `N` types into) and `:incident start`."""
        from oc_console.screens.incident import add_note, start_incident

        if word == "incident" and rest != "start":
            self.notify("try :incident start", severity="warning", markup=False)
            return
        work = add_note(self, rest) if word == "note" else start_incident(self)
        self.run_worker(work, group="incident", exit_on_error=False)

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

    async def on_unmount(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

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
