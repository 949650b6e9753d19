"""`?`: every key the current screen answers to, read from the bindings themselves, grouped
(everywhere, this screen, moving in a table) and named as they are typed."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.widgets.key_footer import key_name

COMMANDS_HELP = (
    (":overview", "the findings (also :db :adapters :events :certs)"),
    (":q", "quit"),
    ("/text", "keep the rows that contain text; esc clears"),
)
GLOBAL = "Everywhere"
TABLE = "In a table"
HERE = "This screen"
Group = list[tuple[str, str]]


def _group(binding: Binding) -> str:
    prefix = (binding.id or "").partition(".")[0]
    if prefix in ("app", "screen"):
        return GLOBAL
    return TABLE if prefix == "table" else HERE


def key_groups(screen: Screen[Any]) -> dict[str, Group]:
    """The bindings active on `screen`, by group; the keys of one action on one line, and
    each key once."""
    app = screen.app
    keys: dict[str, list[str]] = {}
    about: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        b = active.binding
        if not b.id or not b.description:
            continue  # ours all carry an id; Textual's scroll keys do not
        name = key_name(app.get_key_display(b))
        if name in seen:
            continue
        seen.add(name)
        keys.setdefault(b.id, []).append(name)
        about[b.id] = (_group(b), b.description)
    groups: dict[str, Group] = {GLOBAL: [], HERE: [], TABLE: []}
    # everywhere-keys in the order they are worth learning; the rest as declared
    first = {"app.help": 0, "screen.command": 1, "screen.filter": 2, "screen.clear": 3}
    ordered = sorted(keys, key=lambda i: first.get(i, len(first)))
    for binding_id in ordered:
        group, description = about[binding_id]
        groups[group].append((" ".join(keys[binding_id]), description))
    return groups


def help_table(groups: dict[str, Group]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for title, rows in groups.items():
        if not rows:
            continue
        table.add_row(Text(title, "bold underline"), "")
        for key, description in rows:
            table.add_row(Text(key), Text(description))
        table.add_row("", "")
    table.add_row(Text("Commands", "bold underline"), "")
    for key, description in COMMANDS_HELP:
        table.add_row(Text(key), Text(description))
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "close", id="help.close"),
    ]

    def __init__(self, title: str, groups: dict[str, Group]) -> None:
        super().__init__()
        self.heading = title
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(f"Keys: {self.heading}")
            box.border_subtitle = "esc close"
            yield Static(help_table(self.groups))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
