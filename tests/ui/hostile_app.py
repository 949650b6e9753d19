"""The real console app, run on a real terminal, showing backend text that carries terminal
control sequences: `python -m tests.ui.hostile_app` (the hostile-text test runs it in a pty).

Every place that text reaches: a finding's subject, summary and evidence (the findings table and
the Why panel), a session's query and application (the Database screen's tables), an error
string (the database panel), an event's reason and message (the Events screen)."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_console.config import Config
from oc_console.domain.database import PoolSnapshot, Session
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.kube import EventRow, FleetSnapshot
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.app import make_app
from oc_console.services.console import Console

NOW = datetime(2026, 11, 21, 3, 12, tzinfo=UTC)
# Each is unique, so a test can look for it in the bytes the terminal received.
HOSTILE = {
    "osc52": "\x1b]52;c;c2VrcmV0LWNsaXBib2FyZA==\x07",  # writes the clipboard
    "osc0": "\x1b]0;PWNED-TITLE\x07",  # retitles the window
    "clear": "\x1b[2JCLEARED",  # clears the screen
    "csi8": "\x9b31mEIGHTBIT",  # 8-bit CSI
    "bidi": "\u202eREVERSED",  # right-to-left override
    "markup": "[bold red]not markup[/] [/]",
}
TEXT = " ".join(HOSTILE.values())


def hostile_snapshot() -> ConsoleSnapshot:
    session = Session(
        pid=4242, application_name=f"app {TEXT}", client_addr=None, user="u", database="d",
        state="idle in transaction", xact_age_s=700.0, state_age_s=700.0, wait_event=None,
        query=f"SELECT 1 /* {TEXT} */",
    )  # fmt: skip
    pool = PoolSnapshot(
        server_version="18.0", max_connections=100, reserved_connections=3,
        sessions_by_state=(("idle in transaction", 1),), sessions_by_application=((TEXT, 1),),
        oldest_xact_age_s=700.0, oldest_xact_pid=4242, idle_in_transaction_count=1,
        idle_in_transaction=(session,), blocked=(), blockers=(), hidden_sessions=0, role="r",
        can_see_all=True, statements=(), statements_note=None,
    )  # fmt: skip
    event = EventRow(
        namespace="openclaw", name="ev1", type="Warning", reason=f"Bad{HOSTILE['osc0']}",
        message=f"log said {TEXT}", object_kind="Pod", object_name="openclaw-adapter-x-1",
        count=1, first_seen=NOW, last_seen=NOW, source="kubelet",
    )  # fmt: skip
    fleet = FleetSnapshot(
        context="sandbox", namespaces=("openclaw",), adapters=(), pods=(), events=(event,),
        certificates=(),
    )  # fmt: skip
    finding = Finding(
        "adapter-crashloop", Severity.CRITICAL, f"openclaw/{TEXT}", f"summary {TEXT}",
        (f"previous log: {TEXT}",), runbook="adapter-crashloop",
    )  # fmt: skip
    health = SourceHealth("postgres", True, False, f"error {TEXT}", NOW)
    return ConsoleSnapshot(
        generated_at=NOW, context="sandbox", namespaces=("openclaw",), read_only=False,
        sources=(health,), database=pool, findings=(finding,), fleet=fleet,
    )  # fmt: skip


class HostileConsole(Console):
    def __init__(self) -> None:
        super().__init__(Config(), context_label="sandbox")

    def snapshot(self) -> ConsoleSnapshot:
        return hostile_snapshot()


if __name__ == "__main__":
    make_app(HostileConsole(), poll_sources=False).run()
