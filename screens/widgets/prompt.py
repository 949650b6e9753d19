"""The one-line prompt at the bottom: `:` commands and `/` filters, k9s style.

It takes the footer's line while it is open (the screen hides the footer), so what is typed is
always visible, after the `:` or `/` that opened it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

HINTS = {
    "command": "adapters db events certs overview help q   (enter runs, esc cancels)",
    "filter": "text to keep rows that contain it   (enter keeps it, esc clears)",
}


class Prompt(Horizontal):
    DEFAULT_CSS = """
    Prompt { dock: bottom; height: 1; display: none; background: $panel; }
    Prompt > #prompt-mark { width: 2; padding: 0 0 0 1; text-style: bold; }
    Prompt > Input { width: 1fr; height: 1; border: none; padding: 0; }
    Prompt > Input:focus { border: none; }
    """
    BINDINGS = [Binding("escape", "close", "close", show=False, id="prompt.close")]

    # Named apart from Input.Changed/Submitted, which Input itself posts.
    class CommandEntered(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    class FilterChanged(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self) -> None:
        super().__init__(id="prompt")
        self.mode = "command"
        self._return_focus: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Static(":", id="prompt-mark")
        # Not selected on focus: `o` opens it saying `order `, and the id typed next must
        # follow that word, not replace it.
        line = Input(id="prompt-input", select_on_focus=False)
        # No blinking: an idle console writes nothing to the terminal (a slow SSH link).
        line.cursor_blink = False
        yield line

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def open(self, mode: str, value: str = "", return_focus: Widget | None = None) -> None:
        self.mode = mode
        self._return_focus = return_focus
        self.query_one("#prompt-mark", Static).update(":" if mode == "command" else "/")
        self.input.placeholder = HINTS.get(mode, "")
        # Shown and focused now, not on the next frame: the keys typed right after `/` may
        # already be queued, and must land in the prompt, not in the table under it.
        self.display = True
        self.screen.add_class("-prompting")
        with self.input.prevent(Input.Changed):
            self.input.value = value
        self.input.cursor_position = len(value)
        self.screen.set_focus(self.input)

    def action_close(self) -> None:
        if self.mode == "filter":
            self.post_message(self.FilterChanged(""))
        self._hide()

    def _hide(self) -> None:
        self.display = False
        self.screen.remove_class("-prompting")
        if self._return_focus is not None:
            self._return_focus.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.mode == "filter":
            self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode == "command":
            self.post_message(self.CommandEntered(event.value.strip()))
        self._hide()
