"""`oc-console silence list | add | expire`: Alertmanager silences from the command line, on
the same engine as `x` and `X` in the console (read-only refuses, preview, confirm, verify,
audit)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from rich.text import Text

from oc_console.cli.listing import out_console, piped, show, whole, write_json
from oc_console.cli.runbook_commands import ask
from oc_console.config import Config
from oc_console.domain.alerts import AlertsSnapshot, Silence
from oc_console.domain.durations import human_duration
from oc_console.errors import SourceError, UserError
from oc_console.runbook.actions.base import Action, ActionStop
from oc_console.runbook.actions.silence import (
    AddSilence,
    ExpireSilence,
    parse_duration,
    parse_matcher,
)
from oc_console.runbook.engine import Result
from oc_console.sanitize import clean


def _need(config: Config) -> None:
    if not config.alertmanager_configured:
        raise UserError("Alertmanager is not configured (--alertmanager URL or OC_ALERTMANAGER)")


def _silence_json(s: Silence) -> dict[str, object]:
    return {"id": s.id, "state": s.state, "matchers": [m.to_json() for m in s.matchers],
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "created_by": s.created_by, "comment": s.comment}  # fmt: skip


def _silence_row(s: Silence, now: datetime, *, wide: bool) -> list[str]:
    left = human_duration((s.ends_at - now).total_seconds()) if s.state != "expired" else "-"
    row = [s.id, s.state, left, ", ".join(str(m) for m in s.matchers), s.created_by, s.comment]
    return [*row, s.starts_at.isoformat(), s.ends_at.isoformat()] if wide else row


def silence_list(config: Config, output: str | None = None) -> int:
    from oc_console.sources.alertmanager import AlertmanagerSource

    _need(config)

    async def read() -> AlertsSnapshot:
        source = AlertmanagerSource(config.alertmanager)
        try:
            return await source.fetch()
        except SourceError as exc:
            raise UserError(str(exc)) from None
        finally:
            await source.close()

    snap = asyncio.run(read())
    silences = sorted(snap.silences, key=lambda s: (s.state != "active", s.ends_at))
    firing = sum(a.firing for a in snap.alerts)
    if output == "json":
        write_json({"silences": [_silence_json(s) for s in silences], "alerts_firing": firing})
        return 0
    out = out_console()
    if not silences:
        whole(out, "no silences")
    else:
        now = datetime.now(UTC)
        columns = ["id", "state", "ends in", "matchers", "by", "comment"]
        columns += ["starts", "ends"] if output == "wide" else []
        rows = [_silence_row(s, now, wide=output == "wide") for s in silences]
        # ids are what `silence expire` takes: never cut, whatever the terminal's width
        show(out, columns, rows, plain=piped(), keep=("id",))
    whole(out, f"{firing} alerts firing")
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
            # only an explicit yes confirms
            return await console.run_action(prepared, confirmed=answer is True)
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
