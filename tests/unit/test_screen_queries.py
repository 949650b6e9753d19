"""What the screens ask the facade to decide comes from the configuration the analysis uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from oc_console.config_loading import load_config
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.changes import signal_rows
from oc_console.services.screen_queries import runbook_param, signal_levels

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def snapshot(share: float, saturation: float) -> ConsoleSnapshot:
    t = NOW.timestamp()
    history = ((t - 120, share), (t - 60, share))
    return ConsoleSnapshot(
        generated_at=NOW, context="test", namespaces=("openclaw",), read_only=True,
        sources=(), database=None, findings=(),
        metrics=MetricsSnapshot(adapters=(AdapterMetrics("amazon", error_ratio_history=history),)),
        pool_history=((t - 60, saturation),),
    )  # fmt: skip


def styles(snap: ConsoleSnapshot, config_text: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(config_text)
    levels = signal_levels(load_config(path, environ={}))
    t = NOW.timestamp()
    return {r.key: r.style for r in signal_rows(snap, t - 3600, t + 60, levels)}


def test_the_changes_screen_colours_at_the_configured_thresholds(tmp_path: Path) -> None:
    snap = snapshot(share=0.03, saturation=0.7)
    # the defaults: 5 % of calls answered 5xx, the pool 80 % saturated
    assert styles(snap, "", tmp_path) == {"5xx:amazon": "yellow", "pool": ""}
    relaxed = "[prometheus.thresholds]\nerror_ratio_warning = 0.02\n"
    relaxed += "[postgres]\nsaturation_warning_pct = 60\n"
    assert styles(snap, relaxed, tmp_path) == {"5xx:amazon": "red", "pool": "yellow"}


def test_a_runbook_parameter_the_engine_would_refuse_is_left_out() -> None:
    assert runbook_param("application_name", "openclaw-adapter-amazon") == "openclaw-adapter-amazon"
    assert runbook_param("application_name", "psql; rm -rf /") is None
