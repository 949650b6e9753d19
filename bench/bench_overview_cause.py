"""The right finding on top: for each demo scenario alone, the Overview at 80x24 (the real app,
headless, on the sandbox `demo --scenario X` starts) shows the scenario's cause within its
first 3 finding rows, once every source has answered. One line per scenario: the value is the
row the cause is on (1 = top), against 3."""

from __future__ import annotations

import sys
import time

from bench.common import limit

TOP = 3
SIZE = (80, 24)
WAIT_SECONDS = 90.0  # the sources' first answers, and the rules that need a minute of data
# The rules that name each scenario's cause (any of them on top will do).
CAUSES: dict[str, frozenset[str]] = {
    "oom": frozenset({"adapter-oomkilled"}),
    "crashloop": frozenset({"changed-before-it-broke", "adapter-crashloop"}),
    "pool": frozenset(
        {"pool-idle-in-transaction", "pool-long-idle-transaction", "pool-blocking-chain"}
    ),
    "cert": frozenset({"cert-expiring", "cert-not-ready"}),
    "webhook": frozenset({"webhook-signature-mismatch"}),
    # the order that never synced, and the platform trouble the scenario plants around it
    "order": frozenset(
        {"order-sync-failed", "adapter-throttled", "adapter-error-rate", "queue-backlog"}
    ),
}
SOURCES = ("kubernetes", "prometheus", "postgres", "alertmanager")


def _answered(app: object) -> bool:
    snap = getattr(app, "snapshot", None)
    if snap is None:
        return False
    return all((h := snap.source(n)) is None or h.fetched_at is not None for n in SOURCES)


def _position(rule_ids: list[str], causes: frozenset[str]) -> int:
    """1-based row of the first cause, or a row past the table when none is listed."""
    return next((i + 1 for i, rule in enumerate(rule_ids) if rule in causes), len(rule_ids) + 99)


def overview_rows(scenario: str) -> list[str]:
    """The rule ids of the Overview's finding rows, top first, once the cause is found (or the
    wait ran out)."""
    from textual.pilot import Pilot

    from oc_console.config_loading import load_config
    from oc_console.sandbox.runner import Sandbox
    from oc_console.screens.app import make_app
    from oc_console.screens.overview_rows import POLICY_KEY
    from oc_console.screens.widgets.row_table import RowTable
    from oc_console.services.console import Console

    sandbox = Sandbox(frozenset({scenario})).start()
    found: list[str] = []
    try:
        app = make_app(Console(load_config(flags=sandbox.flags(), environ={})))

        async def auto(pilot: Pilot[object]) -> None:
            deadline = time.monotonic() + WAIT_SECONDS
            table = app.screen.query_one("#findings", RowTable)
            while time.monotonic() < deadline:
                await pilot.pause(0.2)
                snap = app.snapshot
                ids = {f.id for f in snap.findings} if snap else set()
                if _answered(app) and ids & CAUSES[scenario]:
                    break
            await pilot.pause(0.5)
            keys = [r.key for r in table.rows]
            found.extend("policy" if k == POLICY_KEY else k.partition(":")[0] for k in keys)
            app.exit()

        app.run(headless=True, size=SIZE, auto_pilot=auto)
    finally:
        sandbox.stop()
    return found


def main(names: list[str]) -> int:
    """`names`: some of the scenarios (all when none is given)."""
    ok = True
    for scenario in names or list(CAUSES):
        rows = overview_rows(scenario)
        at = _position(rows, CAUSES[scenario])
        ok = limit(f"overview_cause_row_{scenario}", at, TOP) and ok
        if at > TOP or "-v" in sys.argv:
            print(f"bench: overview_cause_row_{scenario} rows: {', '.join(rows[:6])}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if a != "-v"]))
