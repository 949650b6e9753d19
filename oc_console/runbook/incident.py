"""Incident records in the audit log, beside the actions' own: a note (`N`), an incident started
by hand (`:incident start`), an order looked up. Each is one record with who and when, written
and shared like an action's (the local file first, then the shared table); `phase` says which
kind it is, so `audit` lists them and nothing counts them as actions.

A note is what a person typed: it is kept to one line, cut at a bound, and redacted before it
is written, so a pasted DSN never reaches the file, the table or a hand-off."""

from __future__ import annotations

import uuid
from typing import Any

from oc_console.domain.incident import NOTE_MAX_CHARS
from oc_console.errors import UserError
from oc_console.redact import redact
from oc_console.runbook.audit import now_iso
from oc_console.runbook.identity import Operator
from oc_console.sanitize import clean

NOTE, INCIDENT, LOOKUP = "note", "incident", "lookup"
INCIDENT_PHASES = frozenset({NOTE, INCIDENT, LOOKUP})


def one_line(text: str, limit: int = NOTE_MAX_CHARS) -> str:
    line = clean(redact(" ".join(str(text).split())))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _base(op: Operator, context: str, phase: str, action: str) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "phase": phase, "at": now_iso(), "user": op.user,
            "host": op.host, "identity": op.kube_user, "context": context,
            "action": action}  # fmt: skip


def note_record(op: Operator, context: str, text: str) -> dict[str, Any]:
    note = one_line(text)
    if not note:
        raise UserError("a note needs some text: N, then type it, then enter")
    return {**_base(op, context, NOTE, "note"), "target": {"kind": "incident", "name": context},
            "note": note}  # fmt: skip


def incident_record(op: Operator, context: str) -> dict[str, Any]:
    return {**_base(op, context, INCIDENT, "incident start"),
            "target": {"kind": "incident", "name": context}, "note": "started by hand"}  # fmt: skip


def lookup_record(
    op: Operator, context: str, order_id: str, state: str, reason: str
) -> dict[str, Any]:
    return {**_base(op, context, LOOKUP, "order lookup"),
            "target": {"kind": "order", "name": one_line(order_id, 200)},
            "outcome": one_line(state, 80), "note": one_line(reason)}  # fmt: skip
