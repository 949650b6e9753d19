"""Everything the console shows at one moment: what each source said, and the findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oc_console.domain.alerts import AlertMatch, AlertsSnapshot
from oc_console.domain.changes import Change
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding, Severity, by_urgency, worst
from oc_console.domain.health import SourceHealth
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import RecentFailures
from oc_console.domain.replay import ReplayPosition


@dataclass(frozen=True)
class ConsoleSnapshot:
    generated_at: datetime
    context: str  # kube context, or "sandbox", or "-"
    namespaces: tuple[str, ...]
    read_only: bool
    sources: tuple[SourceHealth, ...]
    database: PoolSnapshot | None
    findings: tuple[Finding, ...]
    fleet: FleetSnapshot | None = None
    metrics: MetricsSnapshot | None = None
    recent_orders: RecentFailures | None = None
    recent_orders_error: str | None = None
    alerts: AlertsSnapshot | None = None
    pages: tuple[AlertMatch, ...] = ()  # every alert Alertmanager holds, worst first
    changes: tuple[Change, ...] = ()  # newest first
    pool_history: tuple[tuple[float, float], ...] = ()  # (unix seconds, saturation 0..1)
    replay: ReplayPosition | None = None  # shown from a recording, not live

    @property
    def firing(self) -> tuple[AlertMatch, ...]:
        return tuple(m for m in self.pages if m.alert.firing)

    def source(self, name: str) -> SourceHealth | None:
        return next((s for s in self.sources if s.name == name), None)

    def findings_for(self, subject: str) -> tuple[Finding, ...]:
        """The findings about one subject (an adapter's or a certificate's `key`, "postgres")."""
        return tuple(f for f in self.findings if f.subject == subject)

    def severity_of(self, subject: str) -> Severity:
        """How bad one subject is, as the analysis decided: screens colour a row by this
        instead of re-deciding from their own copy of a threshold."""
        return worst(self.findings_for(subject))

    @property
    def sorted_findings(self) -> list[Finding]:
        """Worst first, and within a severity the most urgent first (one order for the
        Overview and `check`)."""
        return by_urgency(self.findings)

    @property
    def worst(self) -> int:
        return int(worst(self.findings))
