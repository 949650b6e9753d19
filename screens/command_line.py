"""The `:` command line, k9s style: a word, the rest of the line its argument."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.screens.app import ConsoleApp

# each screen by every name an engineer may type for it
SCREEN_NAMES = {
    "overview": "overview",
    "db": "database",
    "database": "database",
    "pg": "database",
    "adapters": "adapters",
    "adapter": "adapters",
    "deploy": "adapters",
    "events": "events",
    "ev": "events",
    "certs": "certificates",
    "cert": "certificates",
    "certificates": "certificates",
    "alerts": "alerts",
    "pages": "alerts",
    "changes": "changes",
    "change": "changes",
    "releases": "releases",
    "release": "releases",
    "helm": "releases",
    "orders": "orders",
}


def run_command_line(app: ConsoleApp, line: str) -> None:
    word = line.partition(" ")[0].lower()
    if word in ("q", "quit"):
        app.call_next(app.action_quit)
    elif word == "q!":  # vi's: quit now, interrupting what runs (audited, Lease released)
        app._quit_answered(True)
    elif word in ("actions", "action"):
        app.action_recent_actions()
    elif word in ("help", "?"):
        app.action_help()
    elif word == "order":
        app.open_order(line.partition(" ")[2].strip())
    elif word == "ctx":
        app.narrow_to(line.partition(" ")[2])
    elif word in ("note", "incident"):
        _incident_command(app, word, line.partition(" ")[2].strip())
    elif word in SCREEN_NAMES:
        app.action_goto(SCREEN_NAMES[word])
    elif word:
        app.notify(
            f"unknown command ':{clean(word)}' (try :help)", severity="warning", markup=False
        )


def _incident_command(app: ConsoleApp, word: str, rest: str) -> None:
    """`:note TEXT` (what `N` types into) and `:incident start`."""
    from oc_console.screens.incident import add_note, start_incident

    if word == "incident" and rest != "start":
        app.notify("try :incident start", severity="warning", markup=False)
        return
    work = add_note(app, rest) if word == "note" else start_incident(app)
    app.run_worker(work, group="incident", exit_on_error=False)
