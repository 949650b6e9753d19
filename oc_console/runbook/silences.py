"""`oc-console silence list | add | expire`: Alertmanager silences from the command line, on
the same engine as `x` and `X` in the console (read-only refuses, preview, confirm, verify,
audit)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from rich.table import Column, Table
from rich.text import Text

from oc_console.config import Config
from oc_console.domain.durations import human_duration
from oc_console.errors import SourceError, UserError
from oc_console.runbook.actions.base import Action, ActionStop
from oc_console.runbook.actions.silence import (
    AddSilence,
    ExpireSilence,
    parse_duration,
    parse_matcher,
)
from oc_console.runbook.commands import ask, out_console
from oc_console.runbook.engine import Result
from oc_console.sanitize import clean


def _need(config: Config) -> None:
    if not config.alertmanager_configured:
        raise UserError("Alertmanager is not configured (--alertmanager URL or OC_ALERTMANAGER)")


def silence_list(config: Config) -> int:
    from oc_console.sources.alertmanager import AlertmanagerSource

    _need(config)

    async def read() -> tuple[int, list[tuple[str, ...]]]:
        source = AlertmanagerSource(config.alertmanager)
        try:
            snap = await source.fetch()
        except SourceError as exc:
            raise UserError(str(exc)) from None
        finally:
            await source.close()
        now = datetime.now(UTC)
        rows: list[tuple[str, ...]] = [
            (s.id, s.state, human_duration((s.ends_at - now).total_seconds()) if s.state !=
             "expired" else "-", ", ".join(str(m) for m in s.matchers), s.created_by, s.comment)
            for s in sorted(snap.silences, key=lambda s: (s.state != "active", s.ends_at))
        ]  # fmt: skip
        return sum(a.firing for a in snap.alerts), rows

    firing, rows = asyncio.run(read())
    # ids are what `silence expire` takes: never cut, whatever the terminal's width
    table = Table(Column("id", no_wrap=True, min_width=36), "state", "ends in", "matchers", "by",
                  "comment", box=None)  # fmt: skip
    for row in rows:
        table.add_row(*(Text(clean(cell)) for cell in row))
    out = out_console()
    out.print(table if rows else Text("no silences"))
    out.print(Text(f"{firing} alerts firing"))
    return 0


def _act(config: Config, action: Action, *, yes: bool) -> int:
    from oc_console.services.console import Console

    if not yes and not sys.stdin.isatty():
        raise UserError("silence: no terminal to confirm on; pass --yes")
    out = out_console()

    async def run() -> Result:
        console = Console(config)
        try:
            prepared = await console.prepare(action)
            if isinstance(prepared, Result):
                return prepared
            out.print(Text(clean(prepared.preview.summary)), soft_wrap=True)
            out.print(Text(clean(prepared.preview.detail, newlines=True), style="dim"),
                      soft_wrap=True)  # fmt: skip
            answer = await ask(out, prepared.confirmation, None, yes=yes)
            return await console.run_action(prepared, confirmed=answer is not False)
        finally:
            await console.close()

    result = asyncio.run(run())
    # one line, whatever the width: scripts grep it
    out.print(Text(f"{result.status}: {clean(result.message)}", style="bold"), soft_wrap=True)
    if result.reason == "bad-input":
        return 2  # a usage error, as argparse's own; refused and audited all the same
    return 0 if result.ok else 1


def silence_add(
    config: Config,
    matches: list[str],
    duration: str,
    comment: str | None,
    *,
    yes: bool,
    match_all: bool = False,
) -> int:
    _need(config)
    try:
        action = AddSilence(
            tuple(parse_matcher(m) for m in matches),
            duration=parse_duration(duration),
            comment=comment or "",
            match_all=match_all,
        )
    except ActionStop as exc:
        raise UserError(str(exc)) from None
    return _act(config, action, yes=yes)


def silence_expire(config: Config, silence_id: str, *, yes: bool) -> int:
    _need(config)
    return _act(config, ExpireSilence(silence_id), yes=yes)
