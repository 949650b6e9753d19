"""The footer: the keys that matter here, most useful first, named as they are typed (`? help`,
`: command`), and cut between two keys rather than in the middle of one.

Textual's Footer lays every binding out at a fixed width and cuts the line wherever 80 columns
end; this one orders and drops whole entries, and repaints only when the line changes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen

from oc_console.screens.widgets.quiet_static import QuietStatic

# The global keys in the order they are worth a place on the line; the screen's own keys and
# the focused table's come before them, in the order they are declared.
GLOBAL_ORDER = (
    "app.help",
    "screen.command",
    "screen.filter",
    "app.back",
    "app.screens",
    "app.quit",
    "app.palette",
)
SEPARATOR = "  "


def key_name(app_key_display: str) -> str:
    """`?`, `:`, `/`, `esc`, `^p`: what the user types."""
    return {"escape": "esc", "␛": "esc", "⏎": "enter"}.get(app_key_display, app_key_display)


def entries(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, what it does) for the footer, most useful first, each action once."""
    app = screen.app
    own: list[tuple[str, str]] = []
    found: dict[str, tuple[str, str]] = {}
    digits: list[str] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not binding.id or not binding.description:
            continue  # ours all carry an id; Textual's own keys do not
        if binding.key.isdigit():
            digits.append(binding.key)
            continue
        if not binding.show or binding.id in seen:
            continue
        seen.add(binding.id)
        entry = (key_name(app.get_key_display(binding)), binding.description)
        if binding.id in GLOBAL_ORDER:
            found[binding.id] = entry
        else:
            own.append(entry)
    if digits:
        found["app.screens"] = (f"{min(digits)}-{max(digits)}", "screens")
    found["app.back"] = ("esc", "back")
    if app.ENABLE_COMMAND_PALETTE:
        found["app.palette"] = ("^p", "palette")
    return own + [found[i] for i in GLOBAL_ORDER if i in found]


def footer_text(items: list[tuple[str, str]], width: int) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    used = 1
    for key, description in items:
        size = cell_len(key) + 1 + cell_len(description) + len(SEPARATOR)
        if used + size - len(SEPARATOR) > width:
            break  # a whole entry or none: never cut in the middle of a word
        text.append(" " if used == 1 else SEPARATOR)
        text.append(key, "bold reverse")
        text.append(f" {description}")
        used += size
    return text


class KeyFooter(QuietStatic):
    SCOPED_CSS = False  # the rule below is about the screen the footer is on
    DEFAULT_CSS = """
    KeyFooter { dock: bottom; height: 1; background: $panel; }
    Screen.-prompting KeyFooter { display: none; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self.call_after_refresh(self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._changed()

    def _changed(self, _screen: object = None) -> None:
        if self.is_attached:
            self.show_text(footer_text(entries(self.screen), self.size.width))
