"""The line under the header: the actions running now (`⟳ restart amazon 12s`), whichever
screen started them, then the outcome of the last action started from this screen, so it is
there when the operator comes back. Hidden when there is nothing to say."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text

from oc_console.domain.durations import human_duration
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.services.action_service import ActionRun

_MARK = {"done": ("✔", "green"), "declined": ("·", "dim"), "refused": ("✖", "yellow")}


def running_part(run: ActionRun, now: float, *, with_progress: bool) -> Text:
    text = Text(f"⟳ {run.title} {human_duration(max(1, int(run.elapsed(now))))}", "bold cyan")
    if with_progress and run.progress:
        text.append(f" {run.progress}", "cyan")
    return text


def outcome_part(run: ActionRun) -> Text:
    mark, style = _MARK.get(run.outcome, ("✖", "bold red"))
    text = Text(f"{mark} {run.title}: {run.outcome}", style)
    if run.message and run.outcome != "declined":
        text.append(f" · {run.message}")
    return text


def actions_text(running: Sequence[ActionRun], mine: ActionRun | None, now: float) -> Text:
    parts = [running_part(r, now, with_progress=len(running) == 1) for r in running]
    if mine is not None and not mine.running:
        parts.append(outcome_part(mine))
    return Text("   ").join(parts)


class ActionsLine(QuietStatic):
    DEFAULT_CSS = """
    ActionsLine { height: 1; padding: 0 1; background: $panel; text-wrap: nowrap;
                  text-overflow: ellipsis; display: none; }
    """

    def show_actions(self, running: Sequence[ActionRun], mine: ActionRun | None) -> None:
        text = actions_text(running, mine, time.monotonic())
        self.display = bool(text.plain)
        self.show_text(text)
