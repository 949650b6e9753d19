"""`oc-console handoff [--since 2h] [--out FILE] [--json]`: one look at every source (as
`check` does), the audit of the window (the shared table when --audit-dsn is set, else this
machine's file), and the hand-off built from them (oc_console/handoff.py)."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import orjson

from oc_console.cli.audit_commands import parse_since
from oc_console.config import Config
from oc_console.domain.incident import IncidentStart
from oc_console.errors import UserError
from oc_console.handoff import Handoff, audit_records, build, markdown
from oc_console.inert_json import inert
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.audit_shared import SharedAuditError
from oc_console.services.incident import journal_path, load

LOOK_SECONDS = 10.0  # the overall deadline for the sources' first answers, as `check`
CLOSE_SECONDS = 0.5


async def collect(config: Config, since: timedelta, timeout: float = LOOK_SECONDS) -> Handoff:
    from oc_console.services.console import Console

    console = Console(config)
    try:
        snap = await console.collect(timeout)
    finally:
        await console.close(grace=CLOSE_SECONDS)
    log = AuditLog(shared_dsn=config.audit.dsn)
    try:
        source, records, every = await audit_records(log, since)
    except SharedAuditError as exc:
        raise UserError(f"{exc} (without --audit-dsn the local audit is used)") from None
    # what a console on this machine saw appear and clear, when one watched this window
    journal = await asyncio.to_thread(load, journal_path(log.path), snap.generated_at, since)
    started = next((IncidentStart(e.at, e.text.removeprefix("incident started: "))
                    for e in journal if e.kind == "incident"), None)  # fmt: skip
    return build(snap, records, since, audit_source=source, every=every,
                 journal=journal or None, start=started)  # fmt: skip


def handoff_command(config: Config, since: str | None, out: str | None, as_json: bool) -> int:
    window = parse_since(since or "2h") or timedelta(hours=2)
    loop = asyncio.new_event_loop()
    try:
        h = loop.run_until_complete(collect(config, window))
    finally:
        loop.close()
    text = (
        inert(orjson.dumps(h.to_json(), option=orjson.OPT_INDENT_2).decode()) + "\n"
        if as_json
        else markdown(h)
    )
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror}") from None
        print(f"hand-off written to {out}: {h.title}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
