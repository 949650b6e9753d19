"""Walking a runbook: bind and validate its parameters, then run its steps in order, each
action through the engine (so a runbook can skip none of the engine's steps). A step's outcome
is kept for the screen and the CLI; a refused or failed action, or a wait that timed out, ends
the run there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from oc_console.runbook.actions.base import ActionStop, Progress
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.checks import CHECKS, CheckContext, CheckResult
from oc_console.runbook.engine import Engine, Plan, Result
from oc_console.runbook.loader import RunbookError
from oc_console.runbook.schema import ActionStep, CheckStep, NoteStep, Runbook, WaitStep
from oc_console.runbook.templating import ParamError, check_value, substitute

# asked once per action step: the first plan, and how many targets the step acts on
# The operator's answer: False (no), True (yes), or the text typed when the preview asks for
# a name (an auto-syncing Argo CD app), which is a yes only if it names it.
Confirm = Callable[[Plan, int], Awaitable[bool | str]]
STOPPING = frozenset({"refused", "failed", "timeout"})


@dataclass(frozen=True)
class StepOutcome:
    index: int
    kind: str
    title: str
    status: str  # ok problem unknown shown done refused failed dry-run timeout skipped
    summary: str
    lines: tuple[str, ...] = ()

    @property
    def stops(self) -> bool:
        return self.status in STOPPING


def bind_params(book: Runbook, given: Mapping[str, str]) -> dict[str, str]:
    """Declared parameters only, defaults filled in, every value validated."""
    unknown = sorted(set(given) - set(book.params))
    if unknown:
        have = ", ".join(book.params) or "none"
        raise RunbookError(f"{book.source}: {book.id} has no parameter {unknown[0]} (has: {have})")
    values: dict[str, str] = {}
    for name, spec in book.params.items():
        value = given.get(name, spec.default)
        if value is None or value == "":
            if spec.required:
                raise RunbookError(
                    f"{book.source}: parameter {name} is required ({spec.description}); "
                    f"pass --param {name}=..."
                )
            continue
        try:
            values[name] = check_value(name, str(value))
        except ParamError as exc:
            raise RunbookError(f"{book.source}: {exc}") from None
    return values


class RunbookRun:
    def __init__(
        self, book: Runbook, values: dict[str, str], ctx: CheckContext, engine: Engine
    ) -> None:
        self.book, self.values, self.ctx, self.engine = book, values, ctx, engine
        self.outcomes: list[StepOutcome] = []

    def _args(self, raw: Mapping[str, str]) -> dict[str, str]:
        return {k: substitute(v, self.values) for k, v in raw.items()}

    def title(self, index: int) -> str:
        return substitute(self.book.steps[index].title, self.values)

    async def _check(self, name: str, args: dict[str, str]) -> CheckResult:
        try:
            return await CHECKS[name](self.ctx, args)
        except ActionStop as exc:
            return CheckResult("unknown", str(exc))

    async def run_step(
        self, index: int, confirm: Confirm, progress: Progress, *, dry_run: bool = False
    ) -> StepOutcome:
        step = self.book.steps[index]
        title = self.title(index)
        if isinstance(step, NoteStep):
            out = StepOutcome(index, "note", title, "shown", substitute(step.note, self.values))
        elif isinstance(step, CheckStep):
            r = await self._check(step.check, self._args(step.with_))
            out = StepOutcome(index, "check", title, r.verdict, r.summary, r.lines)
        elif isinstance(step, WaitStep):
            out = await self._wait(index, step, title, progress, dry_run)
        else:
            out = await self._action(index, step, title, confirm, progress, dry_run)
        self.outcomes.append(out)
        return out

    async def _wait(
        self, index: int, step: WaitStep, title: str, progress: Progress, dry_run: bool
    ) -> StepOutcome:
        if dry_run:
            return StepOutcome(index, "wait", title, "skipped", "dry run: nothing to wait for")
        args = self._args(step.with_)
        deadline = time.monotonic() + step.timeout
        started = time.monotonic()
        while True:
            r = await self._check(step.wait, args)
            if r.verdict == "ok":
                return StepOutcome(index, "wait", title, "ok", r.summary, r.lines)
            if time.monotonic() >= deadline:
                late = f"still not so after {step.timeout:g}s: {r.summary}"
                return StepOutcome(index, "wait", title, "timeout", late, r.lines)
            progress(f"{time.monotonic() - started:.0f}s/{step.timeout:g}s: {r.summary}")
            await asyncio.sleep(step.interval)

    async def _targets(self, step: ActionStep) -> list[dict[str, str]]:
        base = self._args(step.with_)
        if step.for_each is None:
            return [base]
        rows = (await self._check(step.for_each, base)).rows
        return [{**base, **row} for row in rows]

    async def _action(
        self, index: int, step: ActionStep, title: str, confirm: Confirm, progress: Progress,
        dry_run: bool,
    ) -> StepOutcome:  # fmt: skip
        namespace = self.ctx.env.config.kubernetes.namespaces[0]
        try:
            actions = [make_action(step.action, p, namespace) for p in await self._targets(step)]
        except ActionStop as exc:
            return StepOutcome(index, "action", title, "failed", str(exc))
        if not actions:
            return StepOutcome(index, "action", title, "ok", "nothing to act on")
        if dry_run:
            results = [await self.engine.dry_run(a) for a in actions]
            return _summarise(index, title, results, "dry-run")
        prepared = [await self.engine.prepare(a) for a in actions]
        plans = [p for p in prepared if isinstance(p, Plan)]
        results = [p for p in prepared if isinstance(p, Result)]
        if plans:
            answer = await confirm(plans[0], len(plans))
            typed = answer if isinstance(answer, str) else ""
            for plan in plans:
                done = await self.engine.run(
                    plan, confirmed=answer is not False, typed=typed, progress=progress
                )
                results.append(done)
        return _summarise(index, title, results, "done")


def _summarise(index: int, title: str, results: list[Result], good: str) -> StepOutcome:
    lines = tuple(r.message for r in results)
    bad = [r for r in results if not r.ok]
    if not bad:
        summary = results[0].message if len(results) == 1 else f"{len(results)} targets: {good}"
        detail = results[0].preview.detail if len(results) == 1 and results[0].preview else ""
        return StepOutcome(index, "action", title, good, summary,
                           lines if len(results) > 1 else tuple(detail.splitlines()))  # fmt: skip
    status = "refused" if all(r.status == "refused" for r in bad) else "failed"
    head = bad[0].message if len(results) == 1 else f"{len(bad)} of {len(results)} {status}"
    return StepOutcome(index, "action", title, status, head, lines)
