"""Confirmation of one action: what it does to which target, in which namespace and context,
with the preview (server dry-run diff, SQL, or HTTP request) to read first. The target (its
name, kubeconfig context and cluster server) is in the bold first line. `y` confirms;
`n` or `esc` declines (and the engine audits the refusal). Also a one-value prompt (replicas,
a missing runbook parameter), and the question asked before quitting with actions running."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.services.engine_types import Plan

_BOX = """
    align: center middle;
    & > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $warning; background: $surface; padding: 0 1;
    }
"""


def confirmation_text(plan: Plan, count: int = 1, others: Sequence[Plan] = ()) -> Text:
    more = f" (and {count - 1} more like it)" if count > 1 and not others else ""
    text = Text()
    text.append(f"{clean(plan.confirmation)}{more}\n", "bold")
    text.append(f"{clean(plan.preview.summary)}\n")
    if others:
        text.append(f"and {len(others)} more targets, each listed below\n", "bold")
    text.append(f"guarded by {clean(plan.lease)}\n", "dim")
    return text


def targets_text(plans: Sequence[Plan]) -> Text:
    """Every target of a step that acts on several (a runbook's for_each): each one's
    confirmation line and preview summary, so none is confirmed unseen."""
    text = Text()
    for i, plan in enumerate(plans, 1):
        text.append(f"{i}. {clean(plan.confirmation)}\n", "bold")
        text.append(f"   {clean(plan.preview.summary)}\n")
    return text


class ConfirmScreen(ModalScreen[bool | str]):
    """Answers False (no), True (yes), or, when the preview asks for a name (an auto-syncing
    Argo CD app that would revert the action), the exact name typed: `y` alone is not enough,
    and a name typed wrong is not sent on."""

    # the preview scrolls within half the screen, so the question and keys fit at 80x24
    DEFAULT_CSS = (
        "ConfirmScreen {" + _BOX + "} #preview { height: auto; max-height: 50vh; }"
        " #typed-hint { color: $warning; }"
    )
    BINDINGS = [
        Binding("y", "answer(True)", "yes, do it", id="confirm.yes"),
        Binding("n", "answer(False)", "no", id="confirm.no"),
        Binding("escape", "decline", "no", id="confirm.escape"),
    ]

    def __init__(self, plan: Plan, count: int = 1, *, others: Sequence[Plan] = ()) -> None:
        super().__init__()
        self.plan, self.count, self.others = plan, count, tuple(others)
        plans = (plan, *self.others)
        # one name for all: a step's targets share their Argo CD app
        asking = next((p.preview for p in plans if p.preview.confirm_with), None)
        self.name_required = asking.confirm_with if asking else None
        self.name_why = asking.confirm_why if asking else ""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "confirm"
            box.border_subtitle = (
                "type the name, enter: yes   esc: no"
                if self.name_required
                else "y: yes, do it   n / esc: no"
            )
            yield Static(confirmation_text(self.plan, self.count, self.others), id="question")
            if self.name_required:
                name = clean(self.name_required)
                why = clean(self.name_why) if self.name_why else f"{name} would revert this"
                yield Static(Text(f"{why}: type {name} to confirm", "bold"), id="typed-question")
                field = Input(placeholder=name, id="typed")
                field.cursor_blink = False
                yield field
                yield Static("", id="typed-hint")
            with VerticalScroll(id="preview"):
                if self.others:
                    yield Static(targets_text((self.plan, *self.others)), id="targets")
                yield Static(Text(clean(self.plan.preview.detail, newlines=True)))

    def on_mount(self) -> None:
        if self.name_required:
            self.query_one("#typed", Input).focus()

    def action_answer(self, yes: bool) -> None:
        if yes and self.name_required:
            self._hint(f"y is not enough here: type {clean(self.name_required)}")
            return
        self.dismiss(yes)

    def action_decline(self) -> None:
        """esc, like n: the engine audits the refusal."""
        self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.name_required:
            self.dismiss(event.value)
        else:
            self._hint(f"not {clean(self.name_required or '')}: type it exactly, or esc")

    def _hint(self, line: str) -> None:
        if self.is_mounted and self.query("#typed-hint"):
            self.query_one("#typed-hint", Static).update(Text(line))


class QuitScreen(ModalScreen[bool]):
    """Asked when quitting with actions running: quitting interrupts them."""

    DEFAULT_CSS = "QuitScreen {" + _BOX + "}"
    BINDINGS = [
        Binding("y", "answer(True)", "quit anyway", id="quit.yes"),
        Binding("q", "answer(True)", "quit anyway", show=False, id="quit.q"),
        Binding("n", "answer(False)", "stay", id="quit.no"),
        Binding("escape", "answer(False)", "stay", id="quit.escape"),
    ]

    def __init__(self, running: Sequence[str]) -> None:
        super().__init__()
        self.running = tuple(running)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "quit?"
            box.border_subtitle = "y: quit anyway   n / esc: stay"
            text = Text()
            text.append(f"{len(self.running)} action(s) still running:\n", "bold")
            for line in self.running:
                text.append(f"  ⟳ {clean(line)}\n")
            text.append("Quitting interrupts them: the audit records it, the Lease is given back.")
            yield Static(text, id="quit-question")

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
