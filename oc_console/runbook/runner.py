"""Walking a runbook: bind and validate its parameters, then run its steps in order, each
action through the engine (so a runbook can skip none of the engine's steps). A step's outcome
is kept for the screen and the CLI; a refused or failed action, a wait that timed out, a
manual fix not done, or an action whose checks could not see its target ends the run there.

An action needs the checks its step names in `needs:` (every check before it by default): if
one of them could not judge its target ("unknown": cannot see it, refused, failed), the action
is not prepared at all and the run stops, saying which check and why. An action's `for_each`
acts on the rows of the same check an earlier step showed (what the operator read)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from oc_console.errors import SourceError
from oc_console.runbook.actions.base import ActionStop, Progress
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.check_context import CheckContext, CheckResult
from oc_console.runbook.checks import CHECKS
from oc_console.runbook.engine import Engine, Plan, Result
from oc_console.runbook.loader import RunbookError
from oc_console.runbook.schema import ActionStep, CheckStep, NoteStep, Runbook, Step, WaitStep
from oc_console.runbook.templating import ParamError, check_value, substitute

# Asked once per action step, with every plan the step would run (one per target): the
# operator's answer is False (no), True (yes), or the text typed when the preview asks for a
# name (an auto-syncing Argo CD app), which is a yes only if it names it.
Confirm = Callable[[Sequence[Plan]], Awaitable[bool | str]]
# Asked by a manual-fix step ("Is the Secret fixed?"): True once the operator says it is done.
Ask = Callable[[str], Awaitable[bool]]
STOPPING = frozenset({"refused", "failed", "timeout", "stopped"})
JUDGED = frozenset({"ok", "problem"})  # a check that saw its target; anything else did not
GOOD = frozenset({"ok", "problem", "shown", "done", "dry-run", "skipped"})


@dataclass(frozen=True)
class StepOutcome:
    index: int
    kind: str
    title: str
    # ok problem unknown shown done refused failed dry-run timeout skipped stopped not-run
    status: str
    summary: str
    lines: tuple[str, ...] = ()
    reason: str = ""  # why a step stopped, in a word or two ("declined", "lease-held")

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
        # the plans the step being confirmed would run, every target (for a screen or the CLI)
        self.asking: tuple[Plan, ...] = ()
        self._seen: dict[tuple[str, frozenset[tuple[str, str]]], CheckResult] = {}
        self.started = time.monotonic()

    def _args(self, raw: Mapping[str, str]) -> dict[str, str]:
        return {k: substitute(v, self.values) for k, v in raw.items()}

    def title(self, index: int) -> str:
        return substitute(self.book.steps[index].title, self.values)

    def not_run(self, index: int) -> StepOutcome:
        """A step after a stop: its title with its parameters filled in, and no claim."""
        return StepOutcome(index, _kind(self.book.steps[index]), self.title(index), "not run", "")

    def note(self, index: int) -> str:
        step = self.book.steps[index]
        return substitute(step.note, self.values) if isinstance(step, NoteStep) else ""

    def stop(self, index: int, reason: str) -> StepOutcome:
        """The operator stopped the walk before this step (nothing prepared, nothing audited)."""
        step = self.book.steps[index]
        out = StepOutcome(index, _kind(step), self.title(index), "stopped", f"not run: {reason}",
                          (), reason)  # fmt: skip
        self.outcomes.append(out)
        return out

    async def _check(self, name: str, args: dict[str, str]) -> CheckResult:
        try:
            return await CHECKS[name](self.ctx, args)
        except (ActionStop, SourceError) as exc:
            return CheckResult("unknown", str(exc))

    async def run_step(
        self, index: int, confirm: Confirm, progress: Progress, *, dry_run: bool = False,
        ask: Ask | None = None,
    ) -> StepOutcome:  # fmt: skip
        step = self.book.steps[index]
        title = self.title(index)
        if isinstance(step, NoteStep):
            out = await self._note(index, step, title, ask, dry_run)
        elif isinstance(step, CheckStep):
            args = self._args(step.with_)
            r = await self._check(step.check, args)
            self._seen[_key(step.check, args)] = r
            out = StepOutcome(index, "check", title, r.verdict, r.summary, r.lines)
        elif isinstance(step, WaitStep):
            out = await self._wait(index, step, title, progress, dry_run)
        else:
            out = self._blocked(index, step, title) or await self._action(
                index, step, title, confirm, progress, dry_run
            )
        self.outcomes.append(out)
        return out

    async def _note(
        self, index: int, step: NoteStep, title: str, ask: Ask | None, dry_run: bool
    ) -> StepOutcome:
        note = substitute(step.note, self.values)
        if step.ask is None or dry_run:
            return StepOutcome(index, "note", title, "shown", note)
        question = substitute(step.ask, self.values)
        fixed = self._said_ok(index, step.fixed_if_ok)
        if fixed is not None:
            return StepOutcome(index, "note", title, "done", note, (f"{question} yes: {fixed}",))
        if ask is None:
            why = f"{question} Fix it as the note says, then run the runbook again."
            return StepOutcome(index, "note", title, "stopped", note, (why,), "manual fix")
        if await ask(question):
            return StepOutcome(index, "note", title, "done", note, (f"{question} done",))
        return StepOutcome(index, "note", title, "stopped", note,
                           (f"{question} not done: fix it first, then walk again",),
                           "not fixed")  # fmt: skip

    def _said_ok(self, index: int, check: str | None) -> str | None:
        """What the last earlier step running `check` said, if it judged ok."""
        for o in reversed(self.outcomes):
            step = self.book.steps[o.index]
            if o.index < index and isinstance(step, CheckStep) and step.check == check:
                return f"step {o.index + 1} found it so: {o.summary}" if o.status == "ok" else None
        return None

    def _blocked(self, index: int, step: ActionStep, title: str) -> StepOutcome | None:
        """The first needed check that did not see its target, as this step's stop."""
        seen = {o.index: o for o in self.outcomes}
        for j, earlier in enumerate(self.book.steps[:index]):
            if not isinstance(earlier, CheckStep):
                continue
            if step.needs is not None and earlier.check not in step.needs:
                continue
            got = seen.get(j)
            if got is None:
                why = f"step {j + 1} ({earlier.check}) has not run"
            elif got.status not in JUDGED:
                why = f"step {j + 1} ({earlier.check}) {got.status}: {got.summary}"
            else:
                continue
            return StepOutcome(index, "action", title, "stopped",
                               f"not run: {why}", (), f"step {j + 1} {earlier.check}")  # fmt: skip
        return None

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
        # what the operator read: the rows of the same check an earlier step ran (the owner
        # it found, the sessions it listed), not a second look that may have changed since
        found = self._seen.get(_key(step.for_each, base)) or await self._check(step.for_each, base)
        if found.verdict not in JUDGED:
            # no rows because the check could not look is not "nothing to act on"
            raise ActionStop(f"cannot list the targets ({step.for_each}): {found.summary}")
        return [{**base, **row} for row in found.rows]

    async def _action(
        self, index: int, step: ActionStep, title: str, confirm: Confirm, progress: Progress,
        dry_run: bool,
    ) -> StepOutcome:  # fmt: skip
        namespace = self.ctx.env.config.kubernetes.namespaces[0]
        try:
            vm = self.ctx.env.docker is not None  # a deployment is a compose service there
            actions = [make_action(step.action, p, namespace, on_vm=vm)
                       for p in await self._targets(step)]  # fmt: skip
            for a in actions:
                a.params["_runbook"] = self.book.id  # named in the audit and the Event's note
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
            self.asking = tuple(plans)
            try:
                answer = await confirm(self.asking)
            finally:
                self.asking = ()
            # only an explicit yes, or the text typed where a preview asks for a name (which
            # the engine then compares with the name): any other answer is a no
            typed = answer if isinstance(answer, str) else ""
            for plan in plans:
                yes = answer is True or bool(typed and plan.preview.confirm_with)
                done = await self.engine.run(plan, confirmed=yes, typed=typed, progress=progress)
                results.append(done)
        return _summarise(index, title, results, "done")

    def status_line(self) -> str:
        """ "done: 4/4 ok in 6.8 s · audited" or "stopped at 3: declined"."""
        total = len(self.book.steps)
        last = self.outcomes[-1] if self.outcomes else None
        if last is not None and last.stops:
            return f"stopped at {last.index + 1}: {last.reason or last.summary}"
        ran = sum(o.status in GOOD for o in self.outcomes)
        took = time.monotonic() - self.started
        audited = " · audited" if any(o.kind == "action" and o.status == "done"
                                      for o in self.outcomes) else ""  # fmt: skip
        head = "done" if len(self.outcomes) == total else "running"
        return f"{head}: {ran}/{total} ok in {took:.1f} s{audited}"


def _key(check: str, args: Mapping[str, str]) -> tuple[str, frozenset[tuple[str, str]]]:
    return check, frozenset(args.items())


def _kind(step: Step) -> str:
    return {CheckStep: "check", ActionStep: "action", WaitStep: "wait"}.get(type(step), "note")


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
    return StepOutcome(index, "action", title, status, head, lines, bad[0].reason or status)
