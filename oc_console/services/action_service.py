"""Running and recent actions, owned by the facade and not by the screen that started them.

A screen prepares an action and asks for the confirmation; from then on the action is an
asyncio task held here. Leaving the screen (esc), a second action key or another screen's
worker being cancelled never touches it: only `interrupt()` does, when the operator quits
anyway, and then the engine writes the end record ("interrupted") and gives the Lease back.

Listeners hear of every change (a progress line, the outcome) on the event loop that runs
the actions, so the UI can draw them without a thread hop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.runbook.actions.base import Progress
    from oc_console.runbook.engine import Plan, Result

RECENT = 20  # finished actions kept for `:actions`; the audit file has them all
INTERRUPT_SECONDS = 3.0  # how long quitting waits for interrupted actions' end records


class Runner(Protocol):
    def __call__(
        self, plan: Plan, *, confirmed: bool, typed: str = "", progress: Progress | None = None
    ) -> Awaitable[Result]: ...


@dataclass
class ActionRun:
    """One action handed to the service: what, on which target, and how it ended."""

    id: int
    kind: str
    target: str  # the audit's label: deployment/openclaw-adapter-amazon
    short: str  # what the header calls it: amazon
    origin: str  # the screen that started it, to show the outcome there again
    started_at: datetime
    started: float  # monotonic
    status: str = "running"  # then the engine's: done | refused | failed | interrupted
    message: str = ""  # the engine's Result message: the audit's words
    reason: str = ""
    progress: str = ""  # the latest progress line while it runs
    ended: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False, compare=False)

    @property
    def running(self) -> bool:
        return self.status == "running"

    def elapsed(self, now: float | None = None) -> float:
        end = self.ended if self.ended is not None else (now or time.monotonic())
        return max(0.0, end - self.started)

    @property
    def outcome(self) -> str:
        """One word: `declined` says more than `refused` when the operator said no."""
        if self.reason == "declined":
            return "declined"
        return self.status

    @property
    def title(self) -> str:
        return f"{self.kind} {self.short}"

    def finish(self, status: str, message: str, reason: str = "") -> None:
        self.status, self.message, self.reason = status, clean(message), reason
        self.ended = time.monotonic()
        self.progress = ""


Listener = Callable[[ActionRun], None]


def busy_result(running: ActionRun) -> Result:
    from oc_console.runbook.engine import Result

    return Result(
        "refused",
        f"{running.title} is still running ({int(running.elapsed())}s): wait for it (:actions)",
        "busy",
    )


def short_name(name: str, pattern: str) -> str:
    """An adapter by its platform (`amazon`), anything else by its own name."""
    m = re.match(pattern, name)
    platform = m.groupdict().get("platform") if m else None
    return platform or name


class ActionService:
    def __init__(self, runner: Runner, adapter_pattern: str) -> None:
        self._runner = runner
        self._pattern = adapter_pattern
        self._ids = itertools.count(1)
        self._running: dict[int, ActionRun] = {}
        self._recent: deque[ActionRun] = deque(maxlen=RECENT)
        self._listeners: list[Listener] = []

    # --- what the UI reads ---
    def running(self) -> list[ActionRun]:
        """Oldest first, as they were started."""
        return list(self._running.values())

    def recent(self) -> list[ActionRun]:
        """Finished actions, newest first."""
        return list(reversed(self._recent))

    def all(self) -> list[ActionRun]:
        return [*reversed(self.running()), *self.recent()]

    def last_from(self, origin: str) -> ActionRun | None:
        """The newest action a screen started, running or not."""
        return next((r for r in self.all() if r.origin == origin), None)

    def busy(self, target_label: str) -> ActionRun | None:
        """The action running on this target, if any: this console acts on a target once at
        a time, whichever screen asks (its Lease would count a second as its own)."""
        label = clean(target_label)
        return next((r for r in self._running.values() if r.target == label), None)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # --- starting and stopping ---
    def start(self, plan: Plan, *, confirmed: bool, typed: str = "", origin: str = "") -> ActionRun:
        """Run a confirmed (or declined: the engine audits the refusal) plan as a task of the
        service. Must be called on the event loop that will run it."""
        target = plan.action.target
        busy = self.busy(target.label)
        if busy is not None:
            return self.refused(plan.action.kind, target.name, busy_result(busy), origin)
        run = self._new(plan.action.kind, target.label, target.name, origin)
        self._running[run.id] = run
        # the service holds the task: asyncio keeps only a weak reference to it
        run.task = asyncio.get_running_loop().create_task(
            self._run(run, plan, confirmed, typed), name=f"action-{run.id}-{run.kind}"
        )
        self._changed(run)
        return run

    def refused(self, kind: str, name: str, result: Result, origin: str = "") -> ActionRun:
        """An action stopped before its confirmation (RBAC, a Lease, read-only): listed with
        the others, so its reason stays readable after the notification went away."""
        run = self._new(kind, name, name, origin)
        run.finish(result.status, result.message, result.reason)
        self._done(run)
        return run

    def _new(self, kind: str, label: str, name: str, origin: str) -> ActionRun:
        return ActionRun(
            id=next(self._ids),
            kind=kind,
            target=clean(label),
            short=clean(short_name(name, self._pattern)),
            origin=origin,
            started_at=datetime.now(UTC),
            started=time.monotonic(),
        )

    async def _run(self, run: ActionRun, plan: Plan, confirmed: bool, typed: str) -> None:
        def progress(line: str) -> None:
            run.progress = clean(line.splitlines()[0] if line else "")
            self._changed(run)

        try:
            result = await self._runner(plan, confirmed=confirmed, typed=typed, progress=progress)
        except asyncio.CancelledError:
            run.finish("interrupted", "interrupted: the console quit before it finished")
            self._done(run)
            raise
        except Exception as exc:  # the engine audits its own failures; this is a bug's line
            text = str(exc).splitlines()[0] if str(exc) else ""
            run.finish("failed", f"{type(exc).__name__}: {text}", "error")
        else:
            run.finish(result.status, result.message, result.reason)
        self._done(run)

    def _done(self, run: ActionRun) -> None:
        self._running.pop(run.id, None)
        self._recent.append(run)
        self._changed(run)

    def _changed(self, run: ActionRun) -> None:
        for listener in list(self._listeners):
            try:
                listener(run)
            except Exception:  # a broken view must not break the action
                self.unsubscribe(listener)

    async def wait(self, run: ActionRun, timeout: float | None = None) -> ActionRun:
        """Until it ended (tests, the CLI); the run itself is never cancelled by this."""
        if run.task is not None:
            await asyncio.wait({run.task}, timeout=timeout)
        return run

    async def interrupt(self, grace: float = INTERRUPT_SECONDS) -> list[ActionRun]:
        """Cancel every running action and wait (at most `grace` seconds) for the engine to
        write its end record and give the Lease back. The actions still running after that."""
        tasks = [r.task for r in self.running() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        return self.running()
