"""`?`: every key the current screen answers to, read from the bindings themselves, grouped
(this screen first, then everywhere and moving in a table) and named as they are typed; then
every `:` command. The overlay scrolls with the keys a table does (j/k/g/G)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from oc_console.screens.widgets.key_footer import key_name

# The commands `ConsoleApp.run_command_line` answers besides the screens' names.
COMMANDS_HELP = (
    (":order ID", "one order's timeline (also `o`)"),
    (":actions", "the recent actions and their outcomes"),
    (":note TEXT", "a timestamped incident note, audited (also `N`)"),
    (":incident start", "start the incident now (else the first CRITICAL finding does)"),
    (":help", "this list (also `?`)"),
    (":q", "quit (:q! also interrupts what runs)"),
    ("/text", "keep the rows that contain text; esc clears"),
)
# Keys Textual answers itself, so no binding of ours names them.
BUILT_IN = [
    ("tab shift+tab", "next / previous panel"),
    ("ctrl+p", "palette: every screen and action by name"),
]
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
    groups: dict[str, Group] = {HERE: [], GLOBAL: [], TABLE: []}  # this screen first
    # everywhere-keys in the order they are worth learning; the rest as declared
    first = {"app.help": 0, "screen.command": 1, "screen.filter": 2, "screen.clear": 3}
    ordered = sorted(keys, key=lambda i: first.get(i, len(first)))
    for binding_id in ordered:
        group, description = about[binding_id]
        groups[group].append((" ".join(keys[binding_id]), description))
    groups[GLOBAL] += [row for row in BUILT_IN if not set(row[0].split()) & seen]
    return groups


def command_rows() -> Group:
    """Every `:` command: each screen by its names, then the rest."""
    from oc_console.screens.command_line import SCREEN_NAMES

    names: dict[str, list[str]] = {}
    for word, mode in SCREEN_NAMES.items():
        names.setdefault(mode, []).append(f":{word}")
    screens = [(" ".join(words), f"the {mode} screen") for mode, words in names.items()]
    return [*screens, *COMMANDS_HELP]


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
    for key, description in command_rows():
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
        Binding("down,j", "scroll(1)", "down", show=False, id="help.down"),
        Binding("up,k", "scroll(-1)", "up", show=False, id="help.up"),
        Binding("pagedown,space", "scroll(10)", "page down", show=False, id="help.pagedown"),
        Binding("pageup", "scroll(-10)", "page up", show=False, id="help.pageup"),
        Binding("home,g", "jump(0)", "top", show=False, id="help.home"),
        Binding("end,G", "jump(1)", "bottom", show=False, id="help.end"),
    ]

    def __init__(self, title: str, groups: dict[str, Group]) -> None:
        super().__init__()
        self.heading = title
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(f"Keys: {self.heading}")
            box.border_subtitle = "j/k g/G scroll · esc close"
            yield Static(help_table(self.groups))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        box = self.query_one(VerticalScroll)
        box.scroll_to(y=box.scroll_y + lines, animate=False)

    def action_jump(self, end: int) -> None:
        box = self.query_one(VerticalScroll)
        box.scroll_to(y=box.max_scroll_y if end else 0, animate=False)
