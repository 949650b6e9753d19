"""Findings: what is wrong, how badly, why, and which runbook fixes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that max() picks the worst; values match Nagios exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One problem, explained in one sentence (`summary`) with the facts behind it."""

    id: str  # stable rule id, e.g. "pool-saturation"; runbooks apply_to these
    severity: Severity
    subject: str  # what it is about: "postgres", "openclaw/openclaw-adapter-amazon", ...
    summary: str
    evidence: tuple[str, ...] = field(default_factory=tuple)
    runbook: str | None = None
    pages: tuple[str, ...] = ()  # the firing alerts this finding explains (their alertnames)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "severity": self.severity.label,
            "subject": self.subject,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "runbook": self.runbook,
            "pages": list(self.pages),
        }


def worst(findings: tuple[Finding, ...] | list[Finding]) -> Severity:
    return max((f.severity for f in findings), default=Severity.OK)


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Critical first, then warnings; stable within a severity."""
    return sorted(findings, key=lambda f: -f.severity)
