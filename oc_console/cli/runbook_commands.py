"""`oc-console runbook list | show ID | run ID`: the CLI on the same engine as the screens.
Output is for a person (rich tables on a terminal; plain columns, whole values, when piped;
`-o wide|json`); every backend string is sanitised first. `audit` is in audit_commands."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console as RichConsole
from rich.markdown import Markdown
from rich.padding import Padding
from rich.text import Text

from oc_console.cli.listing import out_console, piped, show, whole, write_json
from oc_console.config import Config
from oc_console.errors import SourceError, UserError
from oc_console.runbook.check_context import CheckContext
from oc_console.runbook.engine import Plan
from oc_console.runbook.loader import RunbookError, load_dir
from oc_console.runbook.runner import RunbookRun, StepOutcome, bind_params
from oc_console.runbook.schema import ActionStep, CheckStep, NoteStep, Runbook, WaitStep
from oc_console.sanitize import clean


def _books() -> dict[str, Runbook]:
    try:
        return load_dir()
    except RunbookError as exc:
        raise UserError(str(exc)) from None


def _book(books: dict[str, Runbook], ident: str) -> Runbook:
    if ident not in books:
        raise UserError(f"no runbook {ident!r} (have: {', '.join(sorted(books))})")
    return books[ident]


def _book_json(book: Runbook) -> dict[str, Any]:
    params = {name: {"description": p.description, "default": p.default, "required": p.required}
              for name, p in book.params.items()}  # fmt: skip
    return {"id": book.id, "title": book.title, "applies_to": list(book.applies_to),
            "file": book.source, "steps": len(book.steps), "params": params}  # fmt: skip


def runbook_list(output: str | None = None) -> int:
    books = list(_books().values())
    if output == "json":
        write_json([_book_json(b) for b in books])
        return 0
    columns = ["id", "title", "applies to"]
    rows = [[b.id, b.title, ", ".join(b.applies_to)] for b in books]
    if output == "wide":
        columns += ["params", "file"]
        for row, b in zip(rows, books, strict=True):
            row += [",".join(b.params) or "-", b.source]
    # the id is what `runbook run` takes: never cut
    show(out_console(), columns, rows, plain=piped(), keep=("id",))
    return 0


def _step_name(step: Any) -> str:
    if isinstance(step, CheckStep):
        return f"check {step.check}"
    if isinstance(step, WaitStep):
        return f"wait until {step.wait} (timeout {step.timeout:g}s)"
    if isinstance(step, ActionStep):
        each = f" for each {step.for_each}" if step.for_each else ""
        return f"action {step.action}{each}"
    return "note"


def runbook_show(ident: str) -> int:
    book = _book(_books(), ident)
    out = out_console()
    whole(out, clean(f"{book.id}: {book.title}"), "bold")
    whole(out, f"file: {book.source}")  # whole, to open it or copy it
    whole(out, clean(f"applies to: {', '.join(book.applies_to) or '-'}"))
    for name, p in book.params.items():
        default = f" (default {p.default})" if p.default is not None else ""
        whole(out, clean(f"  --param {name}=...  {p.description}{default}"))
    for i, step in enumerate(book.steps, 1):
        whole(out, clean(f"{i}. {_step_name(step)}: {step.title}"))
        if isinstance(step, NoteStep):
            # the note is Markdown: rendered for a terminal (plain text when piped)
            note = Markdown(clean(step.note.strip(), newlines=True))
            out.print(Padding(note, (0, 0, 0, 5)))
            if step.ask:
                whole(out, clean(f"     asks: {step.ask} (y/n)"))
    return 0


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--param wants key=value, not {pair!r}")
        params[key.strip()] = value
    return params


def _print_outcome(out: RichConsole, total: int, o: StepOutcome) -> None:
    mark = {"ok": "ok", "done": "done", "shown": "note", "dry-run": "dry-run"}.get(
        o.status, o.status
    )
    out.print(Text(clean(f"[{o.index + 1}/{total}] {o.title}: {mark}"), style="bold"))
    out.print(Text("    " + clean(o.summary, newlines=False)))
    for line in o.lines[:40]:
        out.print(Text("    " + clean(line)))


def runbook_run(config: Config, ident: str, pairs: list[str], *, dry_run: bool, yes: bool) -> int:
    book = _book(_books(), ident)
    try:
        values = bind_params(book, parse_params(pairs))
    except RunbookError as exc:
        raise UserError(str(exc)) from None
    if not (yes or dry_run) and not sys.stdin.isatty():
        raise UserError("runbook run: no terminal to confirm on; pass --yes (or --dry-run)")
    return asyncio.run(_run(config, book, values, dry_run=dry_run, yes=yes))


async def _run(config: Config, book: Runbook, values: dict[str, str], *, dry_run: bool,
               yes: bool) -> int:  # fmt: skip
    from oc_console.services.console import Console

    out = out_console()
    console = Console(config)
    try:
        try:
            engine = await console.engine()
        except SourceError as exc:
            raise UserError(str(exc)) from None
        run = RunbookRun(book, values, CheckContext(console.facts(), engine.env), engine)

        async def confirm(plans: Sequence[Plan]) -> bool | str:
            plan, count = plans[0], len(plans)
            # an order's platform or shop_id from the database is in these lines
            out.print(Text(clean(plan.preview.summary)))
            out.print(Text(clean(plan.preview.detail, newlines=True), style="dim"))
            for other in plans[1:]:  # every target of a for_each step is named before the yes
                also = f"  also: {other.confirmation} {other.preview.summary}"
                out.print(Text(clean(also)))
            if plan.where is not None:  # which cluster, in bold, just above the question
                out.print(Text(clean(f"on {plan.where.label}"), style="bold"))
            more = f" (and {count - 1} more listed above)" if count > 1 else ""
            return await ask(out, f"{plan.confirmation}{more}", plan.preview.confirm_with, yes=yes)

        def progress(line: str) -> None:
            out.print(Text("    " + clean(line)))

        total = len(book.steps)
        for i in range(total):
            outcome = await run.run_step(i, confirm, progress, dry_run=dry_run)
            _print_outcome(out, total, outcome)
            if outcome.stops:
                return 1
        return 0
    finally:
        await console.close()


async def ask(out: RichConsole, question: str, name: str | None, *, yes: bool) -> bool | str:
    """The operator's answer on the terminal. `--yes` answers yes, but never types a name the
    preview asks for: an action that an Argo CD app would revert needs a person. The question
    and the name may hold backend text: both are cleaned before they reach the terminal."""
    question = clean(question)
    if name:
        if yes or not sys.stdin.isatty():
            out.print(Text(f"{question} not confirmed: type {clean(name)} on a terminal to "
                           "confirm"))  # fmt: skip
            return ""
        return await asyncio.to_thread(input, f"{question} Type {clean(name)} to confirm: ")
    if yes:
        out.print(Text(f"{question} yes (--yes)"))
        return True
    answer = await asyncio.to_thread(input, f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")
