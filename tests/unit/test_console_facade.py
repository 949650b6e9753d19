from __future__ import annotations

from oc_console.config import Config
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.services.console import Console


def test_prometheus_warnings_and_stand_in_reach_the_header() -> None:
    console = Console(Config())
    console.prometheus.value = MetricsSnapshot(warnings=("partial response: store down",))
    health = console.snapshot().source("prometheus")
    assert health is not None and health.detail == "1 warnings"
    console.prometheus.value = MetricsSnapshot(warnings=("stand-in metrics: x",), stand_in=True)
    assert console.snapshot().source("prometheus").detail == "stand-in"  # type: ignore[union-attr]
    console.prometheus.value = MetricsSnapshot()
    assert console.snapshot().source("prometheus").detail is None  # type: ignore[union-attr]


def test_unconfigured_sources_are_never_tried() -> None:
    console = Console(Config())
    assert [p.name for p in console.pollers if p.configured] == []
    assert "alertmanager" in [p.name for p in console.pollers]
    assert console.snapshot().context == "-"
