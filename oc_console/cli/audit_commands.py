"""`oc-console audit` and `oc-console audit resolve ID --note TEXT`: the audit log for a person
(or a pipe, or `-o json`), unfinished actions first whatever the window, and closing one by
hand with what was found, itself a record. Every record holds backend text: cleaned before it
is printed, \\u-escaped in JSON."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rich.text import Text

from oc_console.cli.listing import out_console, piped, show, whole, write_json
from oc_console.errors import UserError
from oc_console.runbook.audit import (
    CLOSING_PHASES,
    AuditError,
    AuditLog,
    AuditReading,
    matches_target,
    now_iso,
)
from oc_console.sanitize import clean

_SINCE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
RESOLVE_PREFIX = 8  # the shortest id prefix `audit resolve` takes
COLUMNS = ("at", "user", "context", "action", "target", "phase", "outcome", "detail")
WIDE = ("id", "host", "identity", "duration")


def parse_since(text: str | None) -> timedelta | None:
    if not text:
        return None
    match = _SINCE.fullmatch(text.strip())
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


def _row(r: dict[str, Any], *, wide: bool) -> list[str]:
    detail = r.get("error") or r.get("message") or r.get("verification") or r.get("note") or ""
    row = [str(r.get("at", ""))[:19].replace("T", " "), str(r.get("user") or ""),
           str(r.get("context") or ""), str(r.get("action") or ""), _target(r),
           str(r.get("phase") or ""), str(r.get("outcome") or r.get("reason") or ""),
           str(detail)]  # fmt: skip
    if wide:
        took = r.get("duration_s")
        row += [str(r.get("id") or ""), str(r.get("host") or ""), str(r.get("identity") or ""),
                f"{took}s" if took is not None else ""]  # fmt: skip
    return row


def audit_command(
    since: str | None, output: str | None = None, log: AuditLog | None = None,
    target: str | None = None,
) -> int:  # fmt: skip
    """The records in the window, and every unfinished action whatever the window: an action
    the console stopped in the middle of stays in view until someone resolves it."""
    log = log or AuditLog()
    reading = log.read(parse_since(since))
    if target:
        kept = tuple(r for r in reading.records if matches_target(r, target))
        reading = AuditReading(kept, reading.unreadable, reading.every)
    unfinished = reading.unfinished()
    if output == "json":
        write_json({"records": list(reading.records), "unfinished": unfinished,
                    "unreadable_lines": reading.unreadable})  # fmt: skip
        return 0
    out = out_console()
    for r in unfinished:
        whole(out, clean(_unfinished_line(r)), "bold")
    if reading.unreadable:
        whole(out, f"{reading.unreadable} unreadable line(s) in {log.path}")
    if not reading.records:
        whole(out, f"no audit records{' in that window' if since else ''} ({log.path})")
        return 0
    wide = output == "wide"
    columns = COLUMNS + WIDE if wide else COLUMNS
    rows = [_row(r, wide=wide) for r in reading.records]
    show(out, columns, rows, plain=piped(), keep=("at", "id"))
    return 0


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
              "target": start.get("target"), "note": note.strip(),
              **({"cluster": start["cluster"]} if "cluster" in start else {})}  # fmt: skip
    try:
        log.append(record)
    except AuditError as exc:
        raise UserError(str(exc)) from None
    line = f"resolved {start.get('id')}: {start.get('action')} {_target(start)}: {note.strip()}"
    whole(out_console(), Text(clean(line)))
    return 0
