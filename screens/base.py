"""What every console screen shares: the source bar, the prompt, the footer, and the snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.domain.targets import TargetSnapshot, listed_targets
from oc_console.screens.actions import DANGEROUS_ACTIONS, perform
from oc_console.screens.target_rows import has_several
from oc_console.screens.widgets.actions_line import ActionsLine
from oc_console.screens.widgets.key_footer import KeyFooter
from oc_console.screens.widgets.prompt import Prompt
from oc_console.screens.widgets.row_table import Row, RowTable
from oc_console.screens.widgets.source_bar import SourceBar

if TYPE_CHECKING:
    from oc_console.screens.app import ConsoleApp
    from oc_console.services.action_service import ActionRun


class ConsoleScreen(Screen[None]):
    DEFAULT_CSS = """
    ConsoleScreen { overflow: hidden hidden; }
    #read-only { dock: bottom; height: 1; padding: 0 1; background: $warning-darken-2; }
    """
    BINDINGS = [
        # Priority: the app opens the prompt as the key arrives, before it hands the keys typed
        # right after it (`/amazon` comes in one read) to the focused widget, so they land in
        # the prompt and not in the table under it.
        Binding("colon", "prompt('command', ':')", "command", priority=True, id="screen.command"),
        Binding("slash", "prompt('filter', '/')", "filter", priority=True, id="screen.filter"),
        # esc first clears a filter, then goes back (the app's binding)
        Binding(
            "escape", "clear_filter", "clear the filter, else back", show=False, id="screen.clear"
        ),
    ]
    HELP_NAME: ClassVar[str] = ""  # what `?` calls this screen

    @property
    def console_app(self) -> ConsoleApp:
        from oc_console.screens.app import ConsoleApp

        return cast(ConsoleApp, self.app)

    def compose(self) -> ComposeResult:
        yield SourceBar(id="source-bar")
        yield ActionsLine(id="actions-line")
        yield from self.compose_body()
        yield Prompt()
        if self.console_app.service.config.read_only:
            yield Static("read-only: no action keys", id="read-only")
        yield KeyFooter(id="key-footer")

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self._filter_target: RowTable | None = None
        for table in self.query(RowTable):
            table.opening = self.focus_row_target
        self.watch(self.app, "snapshot", self._on_snapshot, init=True)
        self.watch(self.app, "actions_changed", self._on_actions, init=True)

    def _on_snapshot(self, snap: ConsoleSnapshot | None) -> None:
        if snap is None:
            return
        view = self.console_app.fleet_view
        target = view.focused if has_several(view) and view is not None else ""
        self.query_one(SourceBar).show(snap, self.header_team(), target)
        self.show(snap)

    def header_team(self) -> Text | None:
        """What other engineers did, for the header: the Overview's (None elsewhere)."""
        return None

    def show(self, snap: ConsoleSnapshot) -> None:
        """Put the snapshot on screen; called on every refresh."""

    # --- several targets: a list shows every one's rows (the pinned one's only) ---
    def listed(self, snap: ConsoleSnapshot) -> tuple[TargetSnapshot, ...]:
        """The targets whose rows this screen lists, `snap` being the focused one's."""
        return listed_targets(self.console_app.fleet_view, snap)

    def focus_row_target(self, row: Row) -> None:
        """Every screen on the row's target before its detail opens or an action acts on it:
        a runbook, a log or a restart must reach the cluster the row came from."""
        before = self.console_app.service
        self.console_app.focus_target(row.target)
        if self.console_app.service is not before:
            self.refresh_bindings()  # its keys: a read-only target's are not offered

    def _acting_table(self) -> RowTable | None:
        """The table an action key reads its row from: the focused one, else the first."""
        return self._table_to_filter()

    @property
    def actions_origin(self) -> str:
        """Who started an action, to show its outcome here again: a detail screen opened
        anew for the same kind of thing counts as the same screen."""
        return type(self).__name__

    def refresh_after_action(self, run: ActionRun) -> None:
        """An action ended, whichever screen started it: a screen that shows its target and
        reads it once (not from the snapshot) reads it again here."""

    def _on_actions(self, _generation: int) -> None:
        actions = self.console_app.service.actions
        self.query_one(ActionsLine).show_actions(
            actions.running(), actions.last_from(self.actions_origin)
        )

    # --- actions on the selected row (screens say which in action_params) ---
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No dangerous key is bound in read-only mode (the engine refuses anyway)."""
        return not (action in DANGEROUS_ACTIONS and self.console_app.service.config.read_only)

    def action_params(self, kind: str) -> dict[str, str] | None:
        """The selected row's parameters for an action, or None when nothing fits."""
        return None

    def action_act(self, kind: str) -> None:
        table = self._acting_table()
        row = table.current if table is not None else None
        if row is not None:
            self.focus_row_target(row)
            if table is not None and (table.current is None or table.current.ident != row.ident):
                self.notify("the list changed: select the row again", severity="warning")
                return
            # the key was offered for the target shown before: the row's may be read-only
            # or a VM, where it does not apply
            if not self.check_action("act", (kind,)):
                self.notify(f"{kind} does not apply on {row.target}", severity="warning")
                return
        params = self.action_params(kind)
        if params is None:
            self.notify(f"select a row that {kind} applies to first", severity="warning")
            return
        # the worker only previews and asks: the service runs the confirmed action, so
        # esc or another action key cancels a question, never an action
        self.run_worker(perform(self, kind, params), group="action", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    def action_prompt(self, mode: str, char: str) -> None:
        prompt = self.query_one(Prompt)
        if prompt.is_open:
            # typed in the prompt itself: a character like any other, after those queued
            key = {":": "colon", "/": "slash"}[char]
            prompt.input.post_message(events.Key(key, char))
            return
        self._filter_target = self._table_to_filter()
        value = self._filter_target.filter_text if mode == "filter" and self._filter_target else ""
        prompt.open(mode, value, return_focus=self.focused)

    def _table_to_filter(self) -> RowTable | None:
        """The table `/` filters: the focused one, else the screen's first."""
        if isinstance(self.focused, RowTable):
            return self.focused
        tables = self.query(RowTable)
        return tables.first() if tables else None

    def _filtered(self) -> list[RowTable]:
        return [t for t in self.query(RowTable) if t.filter_text]

    def action_clear_filter(self) -> None:
        filtered = self._filtered()
        if not filtered:
            self.console_app.action_back()
        for table in filtered:
            table.set_filter("")

    def drop_filters(self) -> None:
        """A filter belongs to the screen where it was typed: leaving that screen for another
        one (not for its own detail) drops it, so no screen comes back silently filtered."""
        for table in self._filtered():
            table.set_filter("")

    def on_screen_suspend(self) -> None:
        if self not in self.app.screen_stack:  # another mode: the palette, a drill-down
            self.drop_filters()

    def on_prompt_filter_changed(self, event: Prompt.FilterChanged) -> None:
        if self._filter_target is not None:
            self._filter_target.set_filter(event.value)

    def on_prompt_command_entered(self, event: Prompt.CommandEntered) -> None:
        self.console_app.run_command_line(event.value)
