"""`oc-console check` over several targets (`--context a,b`, `--all-contexts`, `[[targets]]`):
every target collected at once within the one deadline, each reported as `check` reports one,
under its name, and the worst status of them all as the exit code."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from rich.console import Console as RichConsole
from rich.text import Text

from oc_console.cli.listing import whole
from oc_console.cli.report import (
    check_console,
    check_json,
    leave_now,
    print_check,
    with_runbooks,
    write_out,
)
from oc_console.config import Config
from oc_console.domain.targets import TargetSnapshot, fleet_findings, worst_status
from oc_console.inert_json import inert
from oc_console.redact import redact
from oc_console.sanitize import clean

STATUS = ("OK", "WARNING", "CRITICAL", "UNKNOWN")


def fleet_json(targets: tuple[TargetSnapshot, ...], config: Config) -> dict[str, Any]:
    """Nested by target: each one's document is the one `check --json` prints for a single
    target, with its status; the fleet's findings follow, worst first, each naming its target."""
    code = worst_status(t.status for t in targets)
    policy = config.kubernetes.thresholds
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "status": STATUS[code],
        "exit_code": code,
        "targets": {
            t.name: {
                "status": STATUS[t.status],
                "exit_code": t.status,
                **check_json(t.snapshot, policy),
            }
            for t in targets
        },
        "findings": [redact_doc(f.to_json()) for f in fleet_findings(targets)],
    }


def redact_doc(doc: dict[str, object]) -> dict[str, object]:
    return {k: redact(v) if isinstance(v, str) else v for k, v in doc.items()}


def _headline(targets: tuple[TargetSnapshot, ...]) -> Text:
    code = worst_status(t.status for t in targets)
    line = Text(STATUS[code], style="bold")
    line.append(f" - {len(targets)} targets: ")
    line.append(clean(" · ".join(f"{t.name} {STATUS[t.status]}" for t in targets)))
    return line


def print_fleet(
    targets: tuple[TargetSnapshot, ...], out: RichConsole, *, plain: bool, wide: bool
) -> None:
    whole(out, _headline(targets))
    for t in targets:
        whole(out, "")
        whole(out, Text(f"== {clean(t.name)} ==", style="bold"))
        print_check(t.snapshot, out, plain=plain, wide=wide)


def run_fleet_check(args: argparse.Namespace, config: Config, configs: Any) -> int:
    """`configs`: (name, Config) per target, from `target_configs`."""
    from oc_console.services.fleet import Fleet

    fleet = Fleet.from_configs(configs)
    fleet.set_include_queries(args.include_queries)

    async def once() -> tuple[TargetSnapshot, ...]:
        try:
            return await fleet.collect(args.timeout)
        finally:
            await fleet.close(grace=0.5)

    # Not asyncio.run: it joins the default executor's threads, and one blocked on a dead
    # server would hold `check` past its deadline.
    loop = asyncio.new_event_loop()
    try:
        collected = loop.run_until_complete(once())
    finally:
        loop.close()
    targets = tuple(TargetSnapshot(t.name, with_runbooks(t.snapshot)) for t in collected)
    if args.json or args.output == "json":
        write_out(inert(_dumps(fleet_json(targets, config))) + "\n")
    else:
        plain = not sys.stdout.isatty()
        out = check_console(plain)
        print_fleet(targets, out, plain=plain, wide=args.output == "wide")
    leave_now(worst_status(t.status for t in targets))


def _dumps(doc: dict[str, Any]) -> str:
    import orjson

    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
