"""What each source says about how an order's sync ended, and one line when they disagree.

The database counts attempts across redeliveries (its `attempts` column), the trace holds the
calls of one delivery, and the adapter's log says what it concluded; the order row's status may
have moved on since (a retry queued). None of them is the truth alone: when they differ, the
timeline says so with each one's claim, rather than picking one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from oc_console.domain.orders import OrderTimeline, Span

ATTEMPTS = re.compile(r"after (\d+) attempts?\b")
LOG_WORDS = 60  # a log line's claim is quoted up to this many characters


@dataclass(frozen=True, slots=True)
class Claim:
    source: str  # "database", "trace" or "log"
    attempts: int | None
    outcome: str | None  # the source's own word: failed, retrying, sync_failed, synced
    words: str  # the claim as the line shows it


def _kind(outcome: str | None) -> str | None:
    """Words that mean the same end: `sync_failed` and `failed` agree, `retrying` does not."""
    if outcome is None:
        return None
    word = outcome.lower()
    if "retry" in word or "pending" in word:
        return "retrying"
    if "fail" in word or "error" in word:
        return "failed"
    return "done"


def _database(t: OrderTimeline) -> Claim | None:
    failed = [e for e in t.events if e.status == "failed"]
    status = t.order.status if t.order else None
    if not failed and status is None:
        return None
    attempts = max((e.attempts for e in failed), default=None)
    parts = [f"{attempts} attempts" if attempts else "", f"order {status}" if status else ""]
    return Claim("database", attempts, status, ", ".join(p for p in parts if p))


def _trace(attempts: list[Span]) -> Claim | None:
    if not attempts:
        return None
    last = max(attempts, key=lambda s: s.end_ns)
    outcome = "failed" if last.failed else "synced"
    return Claim("trace", len(attempts), outcome, f"{len(attempts)} attempts, {outcome}")


def _log(t: OrderTimeline) -> Claim | None:
    """The adapter's last word on its attempts: the clause that counts them, quoted."""
    for line in reversed(t.logs):
        clause = next((c.strip() for c in line.msg.split(";") if ATTEMPTS.search(c)), None)
        if clause is None:
            continue
        found = ATTEMPTS.search(clause)
        assert found is not None
        clause = clause if len(clause) <= LOG_WORDS else clause[: LOG_WORDS - 1] + "…"
        outcome = "failed" if "fail" in clause.lower() else None
        return Claim("log", int(found.group(1)), outcome, f'"{clause}"')
    return None


def disagreement(t: OrderTimeline, attempts: list[Span]) -> str | None:
    """One line with each source's claim, when their attempt counts or outcomes differ.
    `attempts` are the trace's calls to the platform."""
    claims = [c for c in (_database(t), _trace(attempts), _log(t)) if c is not None]
    counts = {c.attempts for c in claims if c.attempts is not None}
    outcomes = {_kind(c.outcome) for c in claims if c.outcome is not None}
    if len(claims) < 2 or (len(counts) < 2 and len(outcomes) < 2):
        return None
    return "sources disagree: " + " · ".join(f"{c.source} {c.words}" for c in claims)
