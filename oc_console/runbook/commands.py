"""`oc-console runbook list | show ID | run ID` and `oc-console audit`: the CLI on the same
engine as the screens. Output is for a person (rich tables, plain when piped or NO_COLOR);
every backend string is sanitised first."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from rich.console import Console as RichConsole
from rich.table import Table
from rich.text import Text

from oc_console.config import Config
from oc_console.errors import SourceError, UserError
from oc_console.inert_json import inert
from oc_console.runbook.audit import CLOSING_PHASES, AuditError, AuditLog, AuditReading, now_iso
from oc_console.runbook.checks import CheckContext
from oc_console.runbook.engine import Plan
from oc_console.runbook.loader import RunbookError, load_dir
from oc_console.runbook.runner import RunbookRun, StepOutcome, bind_params
from oc_console.runbook.schema import ActionStep, CheckStep, NoteStep, Runbook, WaitStep
from oc_console.sanitize import clean

_SINCE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def out_console() -> RichConsole:
    return RichConsole(no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def _books() -> dict[str, Runbook]:
    try:
        return load_dir()
    except RunbookError as exc:
        raise UserError(str(exc)) from None


def _book(books: dict[str, Runbook], ident: str) -> Runbook:
    if ident not in books:
        raise UserError(f"no runbook {ident!r} (have: {', '.join(sorted(books))})")
    return books[ident]


def runbook_list() -> int:
    table = Table("id", "title", "applies to", box=None)
    for book in _books().values():
        table.add_row(book.id, book.title, ", ".join(book.applies_to))
    out_console().print(table)
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
    out.print(Text(f"{book.id}: {book.title}", style="bold"))
    out.print(Text(f"applies to: {', '.join(book.applies_to) or '-'}   file: {book.source}"))
    for name, p in book.params.items():
        default = f" (default {p.default})" if p.default is not None else ""
        out.print(Text(f"  --param {name}=...  {p.description}{default}"))
    for i, step in enumerate(book.steps, 1):
        out.print(Text(f"{i}. {_step_name(step)}: {step.title}"))
        if isinstance(step, NoteStep):
            for line in step.note.strip().splitlines():
                out.print(Text(f"     {line}", style="dim"))
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
        run = RunbookRun(book, values, CheckContext(console, engine.env), engine)

        async def confirm(plans: Sequence[Plan]) -> bool | str:
            plan, count = plans[0], len(plans)
            # an order's platform or shop_id from the database is in these lines
            out.print(Text(clean(plan.preview.summary)))
            out.print(Text(clean(plan.preview.detail, newlines=True), style="dim"))
            more = f" (and {count - 1} more like it)" if count > 1 else ""
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


def parse_since(text: str | None) -> timedelta | None:
    if not text:
        return None
    match = _SINCE.match(text.strip())
    if not match:
        raise UserError(f"--since wants a number and s, m, h or d (like 1h), not {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _target(record: dict[str, Any]) -> str:
    t = record.get("target")
    if isinstance(t, dict):
        where = f" in {t['namespace']}" if t.get("namespace") else ""
        return f"{t.get('kind')}/{t.get('name')}{where}"
    return str(t or "")


def _unfinished_line(r: dict[str, Any]) -> str:
    return (f"UNFINISHED {r.get('id')}: {r.get('action')} {_target(r)} started {r.get('at')} by "
            f"{r.get('user')} and never ended (the console stopped mid-action); check the "
            "target, then: oc-console audit resolve ID --note WHAT-YOU-FOUND")  # fmt: skip


def _record_line(r: dict[str, Any]) -> str:
    outcome = r.get("outcome") or r.get("reason") or ""
    detail = r.get("error") or r.get("message") or r.get("verification") or r.get("note") or ""
    who = f"{r.get('user')} ({r.get('identity')})" if r.get("identity") else r.get("user")
    return (f"{str(r.get('at', ''))[:19].replace('T', ' ')}  {who}  {r.get('context')}  "
            f"{r.get('action')} {_target(r)}  {r.get('phase')} {outcome}"
            f"{': ' + detail if detail else ''}")  # fmt: skip


def audit_command(since: str | None, as_json: bool, log: AuditLog | None = None) -> int:
    """The records in the window, and every unfinished action whatever the window: an action
    the console stopped in the middle of stays in view until someone resolves it."""
    log = log or AuditLog()
    reading = log.read(parse_since(since))
    unfinished = reading.unfinished()
    if as_json:
        doc = {"records": list(reading.records), "unfinished": unfinished,
               "unreadable_lines": reading.unreadable}  # fmt: skip
        sys.stdout.write(inert(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()) + "\n")
        return 0
    out = out_console()
    for r in unfinished:
        out.print(Text(clean(_unfinished_line(r)), style="bold"), soft_wrap=True)
    if reading.unreadable:
        out.print(Text(f"{reading.unreadable} unreadable line(s) in {log.path}"))
    for r in reading.records:
        out.print(Text(clean(_record_line(r))), soft_wrap=True)
    if not reading.records:
        out.print(Text(f"no audit records{' in that window' if since else ''} ({log.path})"))
    return 0


RESOLVE_PREFIX = 8  # the shortest id prefix `audit resolve` takes


def _the_start(reading: AuditReading, ident: str) -> dict[str, Any]:
    """The start record `ident` names (the whole id or a unique prefix), if it is unfinished."""
    shown = clean(ident)
    if len(ident) < RESOLVE_PREFIX:
        raise UserError(f"audit resolve: give at least {RESOLVE_PREFIX} characters of the id, "
                        f"not {shown!r}")  # fmt: skip
    ids = {str(r.get("id")) for r in reading.every if str(r.get("id")).startswith(ident)}
    if not ids:
        raise UserError(f"audit resolve: no action {shown!r} in the audit log")
    if len(ids) > 1:
        raise UserError(f"audit resolve: {shown!r} names {len(ids)} actions; give more of the id")
    records = reading.by_id(ids.pop())
    start = next((r for r in records if r.get("phase") == "start"), None)
    if start is None:
        what = records[0].get("phase")
        raise UserError(f"audit resolve: {shown!r} is a {what} record, not an action that started")
    closed = next((r for r in records if r.get("phase") in CLOSING_PHASES), None)
    if closed is not None:
        how = (f"resolved by {closed.get('user')}" if closed.get("phase") == "resolved"
               else f"ended ({closed.get('outcome')})")  # fmt: skip
        raise UserError(clean(f"audit resolve: action {start.get('id')} already {how} at "
                              f"{closed.get('at')}; nothing to resolve"))  # fmt: skip
    return start


def audit_resolve(ident: str, note: str, log: AuditLog | None = None) -> int:
    """Close an unfinished action by hand, with what the operator found: itself a record."""
    from oc_console.runbook.identity import local_operator

    log = log or AuditLog()
    if not note.strip():
        raise UserError("audit resolve: --note must say what you found on the target")
    start = _the_start(log.read(), ident.strip())
    op = local_operator()
    record = {"id": start.get("id"), "phase": "resolved", "at": now_iso(), "user": op.user,
              "host": op.host, "context": start.get("context"), "action": start.get("action"),
              "target": start.get("target"), "note": note.strip()}  # fmt: skip
    try:
        log.append(record)
    except AuditError as exc:
        raise UserError(str(exc)) from None
    line = f"resolved {start.get('id')}: {start.get('action')} {_target(start)}: {note.strip()}"
    out_console().print(Text(clean(line)), soft_wrap=True)
    return 0
