"""A runbook, walked step by step: checks evaluate live against the console's own sources,
notes are shown, each action shows its preview and asks for confirmation (naming target,
namespace and context), waits show their progress. Every step's result stays on screen; a
refused or failed action, or a wait that timed out, stops the walk there (`r` walks again)."""

from __future__ import annotations

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.actions.base import ActionStop
from oc_console.runbook.engine import Plan
from oc_console.runbook.loader import RunbookError
from oc_console.runbook.runner import RunbookRun, StepOutcome
from oc_console.runbook.schema import NoteStep, Runbook
from oc_console.sanitize import clean
from screens.base import ConsoleScreen
from screens.confirm import ConfirmScreen, ValuePrompt

STATUS_STYLE = {
    "ok": "green", "done": "bold green", "shown": "", "dry-run": "cyan",
    "problem": "bold yellow", "unknown": "yellow", "skipped": "dim",
    "refused": "bold red", "failed": "bold red", "timeout": "bold red",
}  # fmt: skip
MAX_LINES = 14  # per step: the rest is in the audit log and the sources' own screens


def outcome_text(o: StepOutcome) -> Text:
    text = Text()
    text.append(f"{o.index + 1}. {clean(o.title)}  ", "bold")
    text.append(f"[{o.status}]\n", STATUS_STYLE.get(o.status, ""))
    if o.kind != "note":
        text.append(f"   {clean(o.summary)}\n")
    for line in o.lines[:MAX_LINES]:
        text.append(f"   {clean(line)}\n", "dim")
    if len(o.lines) > MAX_LINES:
        text.append(f"   … {len(o.lines) - MAX_LINES} more lines\n", "dim")
    return text


class StepView(Static):
    DEFAULT_CSS = "StepView { height: auto; margin: 0 0 1 0; }"


class RunbookScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #runbook-steps { height: 1fr; border: round $primary; padding: 0 1; }
    """
    BINDINGS = [Binding("r", "restart_walk", "walk again", id="runbook.again")]

    def __init__(self, book: Runbook, params: dict[str, str]) -> None:
        super().__init__()
        self.book, self.params = book, dict(params)
        self.run: RunbookRun | None = None
        self.outcomes: list[StepOutcome] = []
        self.finished = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="runbook-steps"):
            for i, step in enumerate(self.book.steps):
                yield StepView(Text(f"{i + 1}. {clean(step.title)}", "dim"), id=f"step-{i}")

    def on_mount(self) -> None:
        super().on_mount()
        box = self.query_one("#runbook-steps")
        box.border_title = f"Runbook {self.book.id}: {self.book.title}"
        box.border_subtitle = "esc back  r walk again"
        self.walk()

    def show(self, snap: ConsoleSnapshot) -> None:
        """The steps read their own data when they run; a refresh changes nothing here."""

    def _view(self, index: int) -> StepView:
        return self.query_one(f"#step-{index}", StepView)

    def action_restart_walk(self) -> None:
        if self.finished:
            self.walk()

    def walk(self) -> None:
        self.finished = False
        self.run_worker(self._walk(), group="runbook", exclusive=True, exit_on_error=False)

    async def _ask_missing(self) -> bool:
        for name, spec in self.book.params.items():
            if not self.params.get(name) and spec.default is None and spec.required:
                value = await self.app.push_screen_wait(
                    ValuePrompt(f"{name} ({spec.description}):")
                )
                if not value:
                    return False
                self.params[name] = value
        return True

    async def _walk(self) -> None:
        service = self.console_app.service
        try:
            if not await self._ask_missing():
                self._view(0).update(Text("cancelled: a parameter is missing", "yellow"))
                return
            self.run = run = await service.start_runbook(self.book, self.params)
        except (RunbookError, ActionStop, SourceError) as exc:
            self._view(0).update(Text(clean(str(exc)), "bold red"))
            self.finished = True
            return
        self.outcomes = []
        for i in range(len(self.book.steps)):
            view = self._view(i)
            view.update(Text(f"{i + 1}. {clean(run.title(i))}  …running", "bold"))
            view.scroll_visible()

            def progress(line: str, i: int = i, view: StepView = view) -> None:
                view.update(Text(f"{i + 1}. {clean(run.title(i))}  …{clean(line)}", "bold"))

            async def confirm(plan: Plan, count: int, view: StepView = view) -> bool | str:
                view.update(Text(f"preview: {clean(plan.preview.summary)}", "bold"))
                return await self.app.push_screen_wait(ConfirmScreen(plan, count))

            outcome = await run.run_step(i, confirm, progress)
            self.outcomes.append(outcome)
            step = self.book.steps[i]
            if isinstance(step, NoteStep):
                title = Text(f"{i + 1}. {clean(outcome.title)}", "bold")
                view.update(Group(title, Markdown(outcome.summary)))
            else:
                view.update(outcome_text(outcome))
            if outcome.stops:
                break
        self.finished = True
        self.console_app.refresh_data()
