"""The Textual app: modes, global keys, the palette, and the refresh loop. Screens do the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.services.console import Console
from screens.adapters import AdaptersScreen
from screens.certificates import CertificatesScreen
from screens.database import DatabaseScreen
from screens.events import EventsScreen
from screens.help import HelpScreen
from screens.overview import OverviewScreen
from screens.releases import ReleasesScreen

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
    "releases": "releases",
    "release": "releases",
    "helm": "releases",
}
# After a cluster change, redraw at most this often: 50 pod events/s must not mean 50 redraws.
KUBE_REDRAW_SECONDS = 0.5


class ConsoleApp(App[None]):
    TITLE = "oc-console"
    MODES = {
        "overview": OverviewScreen,
        "database": DatabaseScreen,
        "adapters": AdaptersScreen,
        "events": EventsScreen,
        "certificates": CertificatesScreen,
        "releases": ReleasesScreen,
    }
    DEFAULT_MODE = "overview"
    BINDINGS = [
        Binding("q", "quit", "quit", id="app.quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True, id="app.interrupt"),
        Binding("question_mark", "help", "?help", id="app.help"),
        Binding("escape", "back", "back", show=False, id="app.back"),
        Binding("1", "switch_mode('overview')", "overview", id="app.overview"),
        Binding("2", "switch_mode('database')", "db", id="app.database"),
        Binding("3", "switch_mode('adapters')", "adapters", id="app.adapters"),
        Binding("4", "switch_mode('events')", "events", id="app.events"),
        Binding("5", "switch_mode('certificates')", "certs", id="app.certificates"),
        Binding("7", "switch_mode('releases')", "releases", id="app.releases"),
        Binding("ctrl+r", "refresh_now", "refresh", show=False, id="app.refresh"),
    ]

    # a var, not a reactive: a new snapshot must not repaint the whole app, only what changed
    snapshot: var[ConsoleSnapshot | None] = var(None, always_update=True)

    def __init__(self, console: Console, *, poll_sources: bool = True) -> None:
        super().__init__()
        self.service = console
        self.poll_sources = poll_sources  # off in tests that show a recorded snapshot
        self._refreshing = False
        self.unfinished: list[dict[str, object]] = []
        keys = console.config.ui.keys
        if keys:
            self.set_keymap(keys)

    def on_mount(self) -> None:
        self.snapshot = self.service.snapshot()
        self.run_worker(self._unfinished_notice(), group="audit", exit_on_error=False)
        if not self.poll_sources:
            return
        self.refresh_data()
        self.set_interval(self.service.config.ui.refresh_seconds, self.refresh_data)
        self.run_worker(self._follow_cluster(), group="kube-changes", exit_on_error=False)

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

    def refresh_data(self) -> None:
        """One refresh in a worker; a tick that finds the last one running is skipped."""
        if self._refreshing:
            return
        self._refreshing = True
        self.run_worker(self._refresh(), group="refresh", exit_on_error=False)

    async def _refresh(self) -> None:
        try:
            self.snapshot = await self.service.refresh()
        finally:
            self._refreshing = False

    def action_refresh_now(self) -> None:
        self.refresh_data()

    def action_help(self) -> None:
        bindings = [
            (b.key_display or b.key, b.description)
            for _, b, _, _ in self.screen.active_bindings.values()
            if b.description and b.id  # ours all carry an id; Textual's scroll keys do not
        ]
        self.push_screen(HelpScreen(bindings))

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.current_mode != "overview":
            self.switch_mode("overview")

    def run_command_line(self, line: str) -> None:
        """`:` commands, k9s style."""
        word = line.partition(" ")[0].lower()
        if word in ("q", "quit", "q!"):
            self.exit()
        elif word in ("help", "?"):
            self.action_help()
        elif word in SCREEN_NAMES:
            self.switch_mode(SCREEN_NAMES[word])
        elif word:
            self.notify(f"unknown command ':{word}' (try :help)", severity="warning")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
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
            ("Events", "events", "OOM and warning events first"),
            ("Certificates", "certificates", "Soonest expiry first"),
            ("Releases", "releases", "Helm revisions, drift, digest pinning, Argo CD"),
        ):
            yield SystemCommand(title, help_text, partial(self.switch_mode, mode))
        yield SystemCommand("Refresh now", "Read every source again", self.refresh_data)

    async def on_unmount(self) -> None:
        await self.service.close()


def make_app(console: Console, *, poll_sources: bool = True) -> ConsoleApp:
    """The one way to build the app: the CLI and the tests both use it."""
    return ConsoleApp(console, poll_sources=poll_sources)
