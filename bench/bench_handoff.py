"""A hand-off over a 6-hour incident with 1,000 timeline entries (changes; findings that
appeared or cleared and pages that fired or resolved, from the console's journal; the start and
end records of actions; notes; order lookups) renders, as Markdown and as JSON, in under
300 ms."""

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
from oc_console.domain.incident import IncidentEntry
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.handoff import build, markdown

BUDGET_S = 0.300
RUNS = 5
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
WINDOW = timedelta(hours=6)
ENTRIES = 1_000  # 400 changes, 200 journal entries, 100 actions (start + end), 100 notes,
# 100 order lookups


def snapshot() -> ConsoleSnapshot:
    step = WINDOW / 400
    changes = tuple(
        Change(NOW - i * step, ROLLOUT, f"openclaw/openclaw-adapter-p{i % 40}",
               f"rollout to revision {i} (image adapter:{i})")
        for i in range(400)
    )  # fmt: skip
    findings = tuple(
        Finding(f"rule-{i}", Severity(1 + i % 2), f"openclaw/openclaw-adapter-p{i}",
                f"adapter p{i} is unwell", (f"evidence {i}", "more evidence"),
                since=NOW - (i + 1) * WINDOW / 101)
        for i in range(100)
    )  # fmt: skip
    return ConsoleSnapshot(NOW, "prod", ("openclaw",), False, (), None, findings, changes=changes)


def journal() -> list[IncidentEntry]:
    step = WINDOW / 201
    return [
        IncidentEntry(NOW - WINDOW + i * step, "page" if i % 4 == 0 else "finding",
                      f"critical OOMKilled: openclaw/openclaw-adapter-p{i % 40}: killed at its "
                      f"memory limit (512Mi){' cleared' if i % 2 else ''}")
        for i in range(200)
    ]  # fmt: skip


def records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    who = {"user": "bob", "host": "bastion-2", "identity": "bob@openclaw.io", "context": "prod"}
    for i in range(100):
        at = NOW - WINDOW + i * WINDOW / 101 + timedelta(seconds=30)
        out.append(
            {
                **who,
                "id": f"n{i}",
                "phase": "note",
                "action": "note",
                "at": at.isoformat(),
                "target": {"kind": "incident", "name": "prod"},
                "note": f"note {i}",
            }
        )
        out.append({**who, "id": f"l{i}", "phase": "lookup", "action": "order lookup",
                    "at": (at + timedelta(seconds=5)).isoformat(), "outcome": "failed",
                    "target": {"kind": "order", "name": f"114-{i:07d}-1"},
                    "note": "platform API returned 429"})  # fmt: skip
    for i in range(100):
        at = NOW - WINDOW + i * WINDOW / 101
        base = {"id": f"{i:032x}", "user": "alice", "host": "bastion-1", "action": "restart",
                "identity": "alice@openclaw.io", "context": "prod",
                "target": {"kind": "deployment", "name": f"openclaw-adapter-p{i % 40}",
                           "namespace": "openclaw"}}  # fmt: skip
        out.append({**base, "phase": "start", "at": at.isoformat()})
        out.append({**base, "phase": "end", "at": (at + timedelta(seconds=20)).isoformat(),
                    "outcome": "ok", "verification": "rolled out"})  # fmt: skip
    return out


def main() -> int:
    snap, recs, seen = snapshot(), records(), journal()
    recs.sort(key=lambda r: str(r["at"]))
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        h = build(snap, recs, WINDOW, journal=seen)
        text = markdown(h)
        orjson.dumps(h.to_json())
        samples.append(time.perf_counter() - started)
    kinds = ("note by ", "looked up by ", "cleared", "action restart", "change (rollout)")
    if len(h.timeline) < ENTRIES or not all(k in text for k in kinds):
        print(f"# only {len(h.timeline)} timeline entries", file=sys.stderr)
        return 1
    value = statistics.median(samples)
    print(f"# handoff of {len(h.timeline)} timeline entries over 6 h: "
          + ", ".join(f"{s * 1e3:.1f}" for s in samples) + " ms")  # fmt: skip
    return 0 if limit("handoff_render_1000", value * 1e3, BUDGET_S * 1e3, unit="ms") else 1


if __name__ == "__main__":
    sys.exit(main())
