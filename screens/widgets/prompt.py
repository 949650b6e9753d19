"""The one-line prompt at the bottom: `:` commands and `/` filters, k9s style."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class Prompt(Input):
    DEFAULT_CSS = """
    Prompt { dock: bottom; height: 1; border: none; padding: 0 1; display: none; }
    Prompt:focus { border: none; }
    Prompt.-open { display: block; }
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
        # No blinking: an idle console writes nothing to the terminal (a slow SSH link).
        super().__init__(id="prompt")
        self.cursor_blink = False
        self.mode = "command"
        self._return_focus: Widget | None = None

    def open(self, mode: str, value: str = "", return_focus: Widget | None = None) -> None:
        self.mode = mode
        self._return_focus = return_focus
        self.placeholder = "adapters db events certs overview help q" if mode == "command" else ""
        self.add_class("-open")
        self.value = value
        self.focus()

    def action_close(self) -> None:
        if self.mode == "filter":
            self.post_message(self.FilterChanged(""))
        self._hide()

    def _hide(self) -> None:
        self.remove_class("-open")
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
