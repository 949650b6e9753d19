"""SVG snapshots of the Alerts and Changes screens at 80x24, from a recorded snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oc_console.analysis.alerts import annotate, match_alerts, unexplained_findings
from oc_console.config import AlertmanagerConfig, Config
from oc_console.domain.alerts import Alert, AlertsSnapshot, Matcher, Silence
from oc_console.domain.changes import HELM, ROLLOUT, SCALE, Change
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.health import SourceHealth
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.app import make_app
from oc_console.services.console import Console

NOW = datetime(2026, 11, 21, 3, 12, tzinfo=UTC)
SHOPEE = "openclaw/openclaw-adapter-shopee"


class Recorded(Console):
    def __init__(self, snap: ConsoleSnapshot) -> None:
        super().__init__(Config(alertmanager=AlertmanagerConfig(url="http://am:9093")))
        self.recorded = snap

    def snapshot(self) -> ConsoleSnapshot:
        return self.recorded


def alert(name: str, state: str, minutes: int, **labels: str) -> Alert:
    return Alert(
        fingerprint=name,
        labels=tuple(sorted({"alertname": name, **labels}.items())),
        state=state,
        starts_at=NOW - timedelta(minutes=minutes),
        summary=f"{name} summary",
        silenced_by=("5f1e0c1a-7d4b-4e0f-9a43-1b8f0c9d2e77",) if state == "suppressed" else (),
    )


@pytest.fixture
def recorded() -> ConsoleSnapshot:
    findings = [
        Finding("adapter-crashloop", Severity.CRITICAL, SHOPEE, "shopee crash-loops on start."),
        Finding("queue-backlog", Severity.WARNING, "openclaw/openclaw-adapter-lazada", "backlog"),
    ]
    alerts = (
        alert("AdapterHighErrorRate", "active", 12, namespace="openclaw", platform="shopee",
              severity="critical"),
        alert("InventoryFeedStale", "active", 130, namespace="openclaw", platform="shopify",
              severity="warning"),
        alert("QueueBacklog", "suppressed", 40, namespace="openclaw", platform="lazada",
              severity="warning"),
    )  # fmt: skip
    silence = Silence(
        "5f1e0c1a-7d4b-4e0f-9a43-1b8f0c9d2e77", (Matcher("alertname", "QueueBacklog"),),
        NOW - timedelta(minutes=30), NOW + timedelta(minutes=90), "oncall@bastion", "known",
        "active",
    )  # fmt: skip
    pages = match_alerts(alerts, findings)
    start = (NOW - timedelta(hours=1)).timestamp()
    history = tuple((start + 60 * i, 0.0 if i < 40 else 0.3) for i in range(60))
    changes = (
        Change(NOW - timedelta(minutes=22), ROLLOUT, SHOPEE,
               "rollout to revision 3 (image adapter-shopee:2.15.0)"),
        Change(NOW - timedelta(minutes=20), HELM, SHOPEE,
               "helm openclaw-adapter-shopee revision 4 (openclaw-adapter-2.15.0): failed"),
        Change(NOW - timedelta(minutes=5), SCALE, "openclaw/openclaw-adapter-amazon",
               "autoscaler openclaw-adapter-amazon scaled to 5 replicas (3-6)"),
    )  # fmt: skip
    return ConsoleSnapshot(
        generated_at=NOW, context="sandbox", namespaces=("openclaw",), read_only=False,
        sources=(SourceHealth("alertmanager", True, True, None, NOW),), database=None,
        findings=tuple(unexplained_findings(pages, NOW) + annotate(findings, pages)),
        metrics=MetricsSnapshot(
            adapters=(AdapterMetrics("shopee", error_ratio_history=history),)
        ),
        alerts=AlertsSnapshot(alerts, (silence,)), pages=pages, changes=changes,
    )  # fmt: skip


def test_alerts_snapshot(snap_compare: object, recorded: ConsoleSnapshot) -> None:
    app = make_app(Recorded(recorded), poll_sources=False)
    assert snap_compare(app, press=["colon", *"alerts", "enter"], terminal_size=(80, 24))  # type: ignore[operator]


def test_changes_snapshot(snap_compare: object, recorded: ConsoleSnapshot) -> None:
    app = make_app(Recorded(recorded), poll_sources=False)
    assert snap_compare(app, press=["8"], terminal_size=(80, 24))  # type: ignore[operator]


def test_overview_pages_snapshot(snap_compare: object, recorded: ConsoleSnapshot) -> None:
    app = make_app(Recorded(recorded), poll_sources=False)
    assert snap_compare(app, terminal_size=(80, 24))  # type: ignore[operator]
