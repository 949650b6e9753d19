"""What Alertmanager knows: the alerts that page, and the silences that keep them quiet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from oc_console.domain.findings import Finding

# Alertmanager's own severities are free-form labels; these are the usual ones, worst first.
SEVERITY_RANK = {"critical": 0, "page": 0, "error": 1, "warning": 2, "info": 3, "none": 4}


@dataclass(frozen=True)
class Alert:
    fingerprint: str
    labels: tuple[tuple[str, str], ...]  # sorted (name, value) pairs
    state: str  # "active", "suppressed" (silenced or inhibited), "unprocessed"
    starts_at: datetime
    summary: str = ""  # annotations.summary or .description, untrusted text
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)

    @property
    def alertname(self) -> str:
        return self.label("alertname") or "(no alertname)"

    @property
    def severity(self) -> str:
        return self.label("severity") or "none"

    @property
    def where(self) -> str:
        """What the alert is about, by its most specific locating label."""
        for name in ("deployment", "pod", "platform", "certificate", "datname", "namespace"):
            value = self.label(name)
            if value:
                return value
        return ""

    @property
    def firing(self) -> bool:
        """Paging now: active and neither silenced nor inhibited."""
        return self.state == "active"

    @property
    def rank(self) -> tuple[int, datetime]:
        """Worst first, then the longest firing."""
        return SEVERITY_RANK.get(self.severity, 3), self.starts_at


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.is_regex,
            "isEqual": self.is_equal,
        }

    def __str__(self) -> str:
        op = (
            ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        )
        return f"{self.name}{op}{self.value}"


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    state: str  # "active", "pending", "expired"


@dataclass(frozen=True)
class AlertsSnapshot:
    alerts: tuple[Alert, ...]
    silences: tuple[Silence, ...] = field(default_factory=tuple)
    stand_in: bool = False  # the sandbox's stand-in, not a real Alertmanager

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(sorted((a for a in self.alerts if a.firing), key=lambda a: a.rank))


@dataclass(frozen=True)
class AlertMatch:
    alert: Alert
    finding: Finding | None  # the finding that explains it; None: unexplained
    # No finding explains it now, but one did until this moment: the fix worked and
    # Alertmanager has not caught up yet ("resolving"), not "unexplained".
    cleared_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        a = self.alert
        return {
            "alertname": a.alertname,
            "severity": a.severity,
            "state": a.state,
            "starts_at": a.starts_at.isoformat(),
            "labels": dict(a.labels),
            "finding": (
                {"id": self.finding.id, "subject": self.finding.subject} if self.finding else None
            ),
            "finding_cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
        }
