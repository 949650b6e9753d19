"""`N` and `:incident start`: the facade writes the note or the start (an audit record with who
and when, shared like an action's) in a worker; one notification says what was kept, or why
not, in one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_console.errors import UserError
from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.screens.app import ConsoleApp


async def add_note(app: ConsoleApp, text: str) -> None:
    try:
        kept = await app.service.add_note(text)
    except UserError as exc:
        app.notify(clean(str(exc)), severity="error", markup=False)
        return
    app.notify(clean(f"note added: {kept}"), title="incident note", markup=False)


async def start_incident(app: ConsoleApp) -> None:
    try:
        started = await app.service.start_incident()
    except UserError as exc:
        app.notify(clean(str(exc)), severity="error", markup=False)
        return
    start = started or app.service.incident.start
    if start is None:
        return
    when = start.at.astimezone().strftime("%H:%M:%S")
    said = "incident started" if started else "the incident is already under way: it started"
    app.notify(clean(f"{said} {when} ({start.why})"), title="incident", markup=False)
