"""`oc-console audit init` (the shared audit table, created in --audit-dsn) and `oc-console
audit --shared` (every engineer's records from it, newest first, with the local audit's filters
and columns). Records hold backend text: cleaned before printing, \\u-escaped in JSON."""

from __future__ import annotations

import asyncio
import contextlib

from oc_console.cli.audit_commands import COLUMNS, WIDE, _row, parse_since
from oc_console.cli.listing import out_console, piped, show, whole, write_json
from oc_console.config import Config
from oc_console.errors import UserError
from oc_console.runbook.audit import AuditLog, matches_target
from oc_console.runbook.audit_shared import TABLE, SharedAuditError, migrate, read_shared

NO_DSN = "the shared audit needs a database: --audit-dsn DSN, OC_AUDIT_DSN or audit.dsn"


def _dsn(config: Config) -> str:
    if not config.audit.dsn:
        raise UserError(NO_DSN)
    return config.audit.dsn


def audit_init(config: Config) -> int:
    try:
        asyncio.run(migrate(_dsn(config)))
    except SharedAuditError as exc:
        raise UserError(str(exc)) from None
    whole(out_console(), f"shared audit table {TABLE} is ready (see the README for the GRANTs)")
    return 0


async def _read(dsn: str, since: str | None) -> list[dict[str, object]]:
    # what this machine still holds goes first, so the reader sees their own records too
    log = AuditLog(shared_dsn=dsn)
    if log.shared is not None:
        with contextlib.suppress(SharedAuditError, OSError):
            await log.shared.flush()
    return await read_shared(dsn, parse_since(since))


def audit_shared(config: Config, since: str | None, output: str | None, target: str | None) -> int:
    try:
        found = asyncio.run(_read(_dsn(config), since))
    except SharedAuditError as exc:
        raise UserError(str(exc)) from None
    records = [r for r in found if matches_target(r, target)]
    if output == "json":
        write_json({"records": records})
        return 0
    out = out_console()
    if not records:
        whole(out, f"no shared audit records{' in that window' if since else ''}")
        return 0
    wide = output == "wide"
    rows = [_row(r, wide=wide) for r in records]
    show(out, COLUMNS + WIDE if wide else COLUMNS, rows, plain=piped(), keep=("at", "id"))
    return 0
