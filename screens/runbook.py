"""A runbook, walked step by step: checks evaluate live against the console's own sources and
notes are shown, all before anything is asked. An action step waits on a visible line, "next:
Restart X — enter to preview"; only `enter` (or `y`) there prepares the preview and asks for
confirmation, naming every target. A manual fix asks "done? (y/n)". Every step's result stays
on screen, the steps a stop left out read `not run` with their parameters filled in, and a
status line pinned under the steps always shows where the walk is ("done: 4/4 ok in 6.8 s ·
audited", "stopped at 3: declined"). `r` walks again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.confirm import ConfirmScreen, ValuePrompt
from oc_console.services.engine_types import (
    ActionStep,
    ActionStop,
    NoteStep,
    ParamError,
    Plan,
    Runbook,
    RunbookError,
    RunbookRun,
    StepOutcome,
    substitute,
)

STATUS_STYLE = {
    "ok": "green", "done": "bold green", "shown": "", "dry-run": "cyan",
    "problem": "bold yellow", "unknown": "yellow", "skipped": "dim", "not run": "dim",
    "refused": "bold red", "failed": "bold red", "timeout": "bold red", "stopped": "bold red",
}  # fmt: skip
MAX_LINES = 14  # per step: the rest is in the audit log and the sources' own screens


def outcome_text(o: StepOutcome) -> Text:
    text = Text()
    text.append(f"{o.index + 1}. {clean(o.title)}  ", "bold")
    text.append(f"[{o.status}]\n", STATUS_STYLE.get(o.status, ""))
    if o.kind != "note" and o.summary:
        text.append(f"   {clean(o.summary)}\n")
    for line in o.lines[:MAX_LINES]:
        text.append(f"   {clean(line)}\n", "dim")
    if len(o.lines) > MAX_LINES:
        text.append(f"   … {len(o.lines) - MAX_LINES} more lines\n", "dim")
    text.rstrip()  # the step's margin is the one blank line between steps
    return text


class StepView(Static):
    DEFAULT_CSS = "StepView { height: auto; margin: 0 0 1 0; }"


class RunbookScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #runbook-steps { height: 1fr; border: round $primary; padding: 0 1; }
    #runbook-status { height: auto; max-height: 2; padding: 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("r", "restart_walk", "walk again", id="runbook.again"),
        Binding("enter", "answer(True)", "preview / done", id="runbook.next"),
        Binding("y", "answer(True)", "preview / done", show=False, id="runbook.yes"),
        Binding("n", "answer(False)", "stop here", id="runbook.no"),
    ]

    def __init__(self, book: Runbook, params: dict[str, str]) -> None:
        super().__init__()
        self.book, self.params = book, dict(params)
        self.run: RunbookRun | None = None
        self.outcomes: list[StepOutcome] = []
        self.finished = False
        self.status_text = ""  # the pinned line under the steps
        # the operator's answer to the pinned "next: …" or "done? (y/n)" line
        self._gate: asyncio.Future[bool] | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="runbook-steps"):
            for i, step in enumerate(self.book.steps):
                yield StepView(Text(f"{i + 1}. {clean(self._title(step.title))}", "dim"),
                               id=f"step-{i}")  # fmt: skip
        yield Static("", id="runbook-status")

    def _title(self, title: str) -> str:
        """Parameters filled in already before the walk binds them (never `{deployment}`)."""
        known = {k: p.default for k, p in self.book.params.items() if p.default is not None}
        try:
            return substitute(title, {**known, **self.params})
        except ParamError:  # a parameter still to be asked for
            return title

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

    def _status(self, text: str, style: str = "bold") -> None:
        self.status_text = clean(text)
        self.query_one("#runbook-status", Static).update(Text(self.status_text, style))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":
            return self._gate is not None and not self._gate.done()
        return super().check_action(action, parameters)

    def action_answer(self, yes: bool) -> None:
        if self._gate is not None and not self._gate.done():
            self._gate.set_result(yes)

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

    async def _gate_open(self, line: str) -> bool:
        """Wait for the operator on a pinned line, never a modal over the steps."""
        self._gate = asyncio.get_running_loop().create_future()
        self._status(line, "bold reverse")
        self.refresh_bindings()
        try:
            return await self._gate
        finally:
            self._gate = None
            self.refresh_bindings()

    async def _walk(self) -> None:
        try:
            await self._walk_steps()
        except Exception as exc:  # a worker's error would otherwise vanish with the worker
            line = clean(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self._status(f"stopped: unexpected error: {line}", "bold red")
            self.finished = True
            raise

    async def _walk_steps(self) -> None:
        service = self.console_app.service
        try:
            if not await self._ask_missing():
                self._view(0).update(Text("cancelled: a parameter is missing", "yellow"))
                self._status("stopped: a parameter is missing")
                return
            self.run = run = await service.start_runbook(self.book, self.params)
        except (RunbookError, ActionStop, SourceError) as exc:
            self._view(0).update(Text(clean(str(exc)), "bold red"))
            self._status(f"stopped: {str(exc).splitlines()[0] if str(exc) else 'error'}")
            self.finished = True
            return
        self.outcomes = []
        for i in range(len(self.book.steps)):
            self._view(i).update(Text(f"{i + 1}. {clean(run.title(i))}", "dim"))
        for i in range(len(self.book.steps)):
            outcome = await self._step(run, i)
            self.outcomes.append(outcome)
            self._show(i, outcome)
            self._status(run.status_line())
            if outcome.stops:
                for j in range(i + 1, len(self.book.steps)):
                    self._view(j).update(outcome_text(run.not_run(j)))
                break
        self._status(run.status_line())
        self.finished = True
        self.console_app.refresh_data()

    async def _step(self, run: RunbookRun, i: int) -> StepOutcome:
        view = self._view(i)
        title = clean(run.title(i))
        view.scroll_visible()
        step = self.book.steps[i]
        if isinstance(step, ActionStep):
            view.update(Text(f"{i + 1}. {title}  next", "bold"))
            self.call_after_refresh(view.scroll_visible)  # the step asked about is in view
            line = f"next: {title} — enter to preview · n to stop here"
            if not await self._gate_open(line):
                return run.stop(i, "not previewed")
        self._status(f"running {i + 1}/{len(self.book.steps)}: {title}")
        view.update(Text(f"{i + 1}. {title}  …running", "bold"))

        def progress(line: str) -> None:
            view.update(Text(f"{i + 1}. {title}  …{clean(line)}", "bold"))

        async def confirm(plans: Sequence[Plan]) -> bool | str:
            view.update(Text(f"{i + 1}. {title}  preview: {clean(plans[0].preview.summary)}"))
            return await self.app.push_screen_wait(
                ConfirmScreen(plans[0], len(plans), others=plans[1:])
            )

        async def ask(question: str) -> bool:
            if isinstance(step, NoteStep):  # the fix to make, in view while asked
                view.update(Group(Text(f"{i + 1}. {title}", "bold"), Markdown(run.note(i))))
                self.call_after_refresh(view.scroll_visible)
            return await self._gate_open(f"{i + 1}. {question} done? (y/n)")

        return await run.run_step(i, confirm, progress, ask=ask)

    def _show(self, i: int, outcome: StepOutcome) -> None:
        view = self._view(i)
        if isinstance(self.book.steps[i], NoteStep):
            head = Text(f"{i + 1}. {clean(outcome.title)}", "bold")
            if outcome.status != "shown":
                head.append(f"  [{outcome.status}]", STATUS_STYLE.get(outcome.status, ""))
            tail = [Text(f"   {clean(line)}", "dim") for line in outcome.lines]
            view.update(Group(head, Markdown(outcome.summary), *tail))
        else:
            view.update(outcome_text(outcome))
