"""From `oc-console demo --scenario oom` starting to a verified, audited restart through the
runbook screen, driven by Pilot: how long it takes and how many keys it needs (budget: 5 keys,
and 60 s for the rollout on the sandbox). The keys are counted as pressed: moving to the OOM
finding, `b` for its runbook, `enter` on its "next:" line, `y` at the confirmation."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import orjson

from bench.common import limit

KEYS_BUDGET = 5
ROLLOUT_BUDGET_S = 60.0


async def drive(started: float, audit: Path) -> tuple[int, float, float]:
    from oc_console.config_loading import load_config
    from oc_console.runbook.audit import AuditLog
    from oc_console.sandbox.runner import Sandbox, parse_scenarios
    from oc_console.screens.app import make_app
    from oc_console.screens.confirm import ConfirmScreen
    from oc_console.screens.runbook import RunbookScreen
    from oc_console.screens.widgets.row_table import RowTable
    from oc_console.services.console import Console

    sandbox = Sandbox(parse_scenarios("oom")).start()  # what `demo --scenario oom` starts
    try:
        config = load_config(flags=sandbox.flags(), environ={})
        app = make_app(Console(config, context_label="sandbox", audit=AuditLog(audit)))
        keys = 0
        async with app.run_test(size=(120, 40)) as pilot:

            async def until(check: object, timeout: float = 60) -> None:
                deadline = time.monotonic() + timeout
                while not check():  # type: ignore[operator]
                    if time.monotonic() > deadline:
                        raise TimeoutError("the console never got there")
                    await pilot.pause(0.02)

            async def press(key: str) -> None:
                nonlocal keys
                keys += 1
                await pilot.press(key)

            findings = app.screen.query_one("#findings", RowTable)
            await until(lambda: any(r.key.startswith("adapter-oomkilled:") for r in findings.rows))
            while not (findings.current and findings.current.key.startswith("adapter-oomkilled:")):
                await press("down")
            await press("b")
            await until(lambda: any(isinstance(s, RunbookScreen) for s in app.screen_stack))
            screen = next(s for s in app.screen_stack if isinstance(s, RunbookScreen))
            # the checks and the note are shown first; `enter` on the "next:" line previews
            await until(lambda: screen.status_text.startswith("next: "))
            await press("enter")
            await until(lambda: isinstance(app.screen, ConfirmScreen))
            confirmed = time.monotonic()
            await press("y")
            await until(lambda: screen.finished, timeout=ROLLOUT_BUDGET_S * 2)
            verified = time.monotonic()
            outcomes = [(o.kind, o.status) for o in screen.outcomes]
            if ("action", "done") not in outcomes or outcomes[-1] != ("wait", "ok"):
                raise RuntimeError(f"the restart was not verified: {outcomes}")
    finally:
        sandbox.stop()
    records = [orjson.loads(line) for line in audit.read_bytes().splitlines()]
    if [(r["phase"], r.get("outcome")) for r in records] != [("start", None), ("end", "ok")]:
        raise RuntimeError(f"the restart was not audited: {records}")
    return keys, verified - started, verified - confirmed


def main() -> int:
    with TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        started = time.monotonic()
        keys, total, rollout = asyncio.run(drive(started, Path(tmp) / "audit.jsonl"))
    ok = limit("runbook_restart_keys", keys, KEYS_BUDGET)
    ok = limit("runbook_restart_rollout", rollout, ROLLOUT_BUDGET_S, unit="s") and ok
    ok = limit("runbook_restart_from_demo_start", total, ROLLOUT_BUDGET_S, unit="s") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
