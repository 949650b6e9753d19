"""A hand-off over a 6-hour incident with 1,000 timeline entries (changes, findings and the
start and end records of actions) renders, as Markdown and as JSON, in under 300 ms."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bench.common import limit
from oc_console.domain.changes import ROLLOUT, Change
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.handoff import build, markdown

BUDGET_S = 0.300
RUNS = 5
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
WINDOW = timedelta(hours=6)
ENTRIES = 1_000  # 600 changes, 100 findings, 150 actions (start + end)


def snapshot() -> ConsoleSnapshot:
    step = WINDOW / 600
    changes = tuple(
        Change(NOW - i * step, ROLLOUT, f"openclaw/openclaw-adapter-p{i % 40}",
               f"rollout to revision {i} (image adapter:{i})")
        for i in range(600)
    )  # fmt: skip
    findings = tuple(
        Finding(f"rule-{i}", Severity(1 + i % 2), f"openclaw/openclaw-adapter-p{i}",
                f"adapter p{i} is unwell", (f"evidence {i}", "more evidence"),
                since=NOW - (i + 1) * WINDOW / 101)
        for i in range(100)
    )  # fmt: skip
    return ConsoleSnapshot(NOW, "prod", ("openclaw",), False, (), None, findings, changes=changes)


def records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(150):
        at = NOW - WINDOW + i * WINDOW / 151
        base = {"id": f"{i:032x}", "user": "alice", "host": "bastion-1", "action": "restart",
                "identity": "alice@openclaw.io", "context": "prod",
                "target": {"kind": "deployment", "name": f"openclaw-adapter-p{i % 40}",
                           "namespace": "openclaw"}}  # fmt: skip
        out.append({**base, "phase": "start", "at": at.isoformat()})
        out.append({**base, "phase": "end", "at": (at + timedelta(seconds=20)).isoformat(),
                    "outcome": "ok", "verification": "rolled out"})  # fmt: skip
    return out


def main() -> int:
    snap, recs = snapshot(), records()
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        h = build(snap, recs, WINDOW)
        text = markdown(h)
        orjson.dumps(h.to_json())
        samples.append(time.perf_counter() - started)
    if len(h.timeline) < ENTRIES or "## Open questions" not in text:
        print(f"# only {len(h.timeline)} timeline entries", file=sys.stderr)
        return 1
    value = statistics.median(samples)
    print(f"# handoff of {len(h.timeline)} timeline entries over 6 h: "
          + ", ".join(f"{s * 1e3:.1f}" for s in samples) + " ms")  # fmt: skip
    return 0 if limit("handoff_render_1000", value * 1e3, BUDGET_S * 1e3, unit="ms") else 1


if __name__ == "__main__":
    sys.exit(main())
