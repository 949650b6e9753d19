"""Confirmation of one action: what it does to which target, in which namespace and context,
with the preview (server dry-run diff, SQL, or HTTP request) to read first. `y` confirms;
`n` or `esc` declines (and the engine audits the refusal). Also a one-value prompt (replicas,
a missing runbook parameter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.runbook.engine import Plan

_BOX = """
    align: center middle;
    & > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $warning; background: $surface; padding: 0 1;
    }
"""


def confirmation_text(plan: Plan, count: int = 1) -> Text:
    more = f" (and {count - 1} more like it)" if count > 1 else ""
    text = Text()
    text.append(f"{plan.confirmation}{more}\n", "bold")
    text.append(f"{clean(plan.preview.summary)}\n")
    text.append(f"guarded by {plan.lease}\n", "dim")
    return text


class ConfirmScreen(ModalScreen[bool | str]):
    """Answers False (no), True (yes), or, when the preview asks for a name (an auto-syncing
    Argo CD app that would revert the action), the text typed: `y` alone is not enough."""

    # the preview scrolls within half the screen, so the question and keys fit at 80x24
    DEFAULT_CSS = "ConfirmScreen {" + _BOX + "} #preview { height: auto; max-height: 50vh; }"
    BINDINGS = [
        Binding("y", "answer(True)", "yes, do it", id="confirm.yes"),
        Binding("n", "answer(False)", "no", id="confirm.no"),
        Binding("escape", "decline", "no", id="confirm.escape"),
    ]

    def __init__(self, plan: Plan, count: int = 1) -> None:
        super().__init__()
        self.plan, self.count = plan, count

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "confirm"
            box.border_subtitle = "y: yes, do it   n / esc: no"
            yield Static(confirmation_text(self.plan, self.count), id="question")
            with VerticalScroll(id="preview"):
                yield Static(Text(clean(self.plan.preview.detail, newlines=True)))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ValuePrompt(ModalScreen[str | None]):
    """Ask for one value; esc cancels (None)."""

    DEFAULT_CSS = "ValuePrompt {" + _BOX + "}"
    BINDINGS = [Binding("escape", "cancel", "cancel", id="value.cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, "bold"))
            field = Input(self.value, id="value")
            field.cursor_blink = False
            yield field

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
