import math
from dataclasses import replace

import pytest

from oc_console.analysis.metrics import MetricsThresholds, metrics_findings
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot, PodMemory, Termination

MIB = 2**20
HEALTHY = AdapterMetrics(
    platform="amazon",
    request_rate=10.0,
    error_ratio=0.001,
    throttled_ratio=0.0,
    p95_latency_seconds=0.4,
    queue_depth=3,
    queue_oldest_age_seconds=2,
    last_sample_age_seconds=5,
)
POD = PodMemory(
    namespace="openclaw",
    pod="openclaw-adapter-amazon-5d8f7b9c4-x2k9p",
    container="adapter",
    platform="amazon",
    working_set_bytes=200 * MIB,
    limit_bytes=512 * MIB,
    history=(150 * MIB, 200 * MIB),
    restarts=0,
)


def findings(*adapters: AdapterMetrics, pods: tuple[PodMemory, ...] = (POD,)) -> list[Finding]:
    return metrics_findings(MetricsSnapshot(adapters=adapters, pods=pods))


def only(found: list[Finding]) -> Finding:
    assert len(found) == 1, [f.id for f in found]
    return found[0]


def test_a_healthy_fleet_has_no_findings() -> None:
    assert findings(HEALTHY, replace(HEALTHY, platform="shopee")) == []


@pytest.mark.parametrize(
    ("ratio", "severity"),
    [(0.049, None), (0.05, Severity.WARNING), (0.19, Severity.WARNING), (0.2, Severity.CRITICAL)],
)
def test_error_ratio_thresholds(ratio: float, severity: Severity | None) -> None:
    found = findings(replace(HEALTHY, error_ratio=ratio))
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_high_error_ratio_explains_itself() -> None:
    adapter = replace(
        HEALTHY, error_ratio=0.25, sync_failures=(("platform_5xx", 900.0), ("validation", 2.0))
    )
    f = only(findings(adapter))
    assert f.id == "adapter-error-rate"
    assert f.subject == "openclaw/openclaw-adapter-amazon"
    assert f.runbook == "order-sync-failed"
    assert "25%" in f.summary and "platform_5xx (900 in the last hour)" in f.summary
    assert "sync failures, validation: 2 in 1 h" in f.evidence


def test_ratios_of_a_trickle_are_noise() -> None:
    assert findings(replace(HEALTHY, request_rate=0.01, error_ratio=1.0, throttled_ratio=1.0)) == []


def test_429_storm_is_throttling_not_failure() -> None:
    f = only(findings(replace(HEALTHY, platform="shopee", throttled_ratio=0.6)))
    assert f.id == "adapter-throttled"
    assert f.severity is Severity.CRITICAL
    assert "throttled, not failing" in f.summary and "60%" in f.summary
    assert f.subject == "adapter/shopee"  # no shopee pod known


def test_some_429s_are_a_warning() -> None:
    assert only(findings(replace(HEALTHY, throttled_ratio=0.2))).severity is Severity.WARNING


def test_queue_backlog_with_a_normal_adapter_is_volume() -> None:
    adapter = replace(HEALTHY, platform="lazada", queue_depth=2500, queue_oldest_age_seconds=1200)
    f = only(findings(adapter))
    assert f.id == "queue-backlog"
    assert f.severity is Severity.CRITICAL  # oldest >= 15 min
    assert "cause: backlog" in f.evidence
    assert "backlog of volume, not a timeout" in f.summary
    assert "2,500 orders waiting, the oldest for 20m" in f.summary


def test_queue_backlog_behind_slow_calls_is_a_timeout() -> None:
    adapter = replace(HEALTHY, queue_depth=50, queue_oldest_age_seconds=400, p95_latency_seconds=29)
    f = only(findings(adapter))
    assert f.severity is Severity.WARNING
    assert "cause: timeout" in f.evidence
    assert "time out: p95 latency 29s is at the 30s adapter timeout" in f.summary


def test_queue_backlog_with_no_calls_is_a_hung_adapter() -> None:
    adapter = replace(
        HEALTHY, request_rate=0.0, p95_latency_seconds=None, queue_depth=5000, error_ratio=None
    )
    f = only(findings(adapter))
    assert "cause: timeout" in f.evidence
    assert "completes almost no calls" in f.summary


def test_adapter_timeout_is_a_threshold() -> None:
    adapter = replace(HEALTHY, queue_depth=50, queue_oldest_age_seconds=400, p95_latency_seconds=9)
    slow = MetricsThresholds(adapter_timeout_seconds=10)
    f = only(metrics_findings(MetricsSnapshot(adapters=(adapter,)), slow))
    assert "cause: timeout" in f.evidence


@pytest.mark.parametrize(
    ("used", "severity"),
    [(0.89, None), (0.9, Severity.WARNING), (0.97, Severity.CRITICAL)],
)
def test_memory_near_limit_thresholds(used: float, severity: Severity | None) -> None:
    pod = replace(POD, working_set_bytes=used * 512 * MIB)
    assert [f.severity for f in findings(HEALTHY, pods=(pod,))] == ([severity] if severity else [])


def test_memory_near_limit_names_the_pod_trend_and_oom_history() -> None:
    pod = replace(POD, working_set_bytes=480 * MIB, history=(256 * MIB, 400 * MIB, 480 * MIB))
    old = Termination(
        "openclaw", "openclaw-adapter-amazon-5d8f7b9c4-old00", "adapter", "amazon", "OOMKilled", 1.0
    )
    snapshot = MetricsSnapshot(adapters=(HEALTHY,), pods=(pod,), terminations=(old,))
    f = only(metrics_findings(snapshot))
    assert f.id == "memory-near-limit"
    assert f.runbook == "adapter-oomkilled"
    assert f.subject == "openclaw/openclaw-adapter-amazon"
    assert f"Pod {POD.pod} uses 94% of its 512Mi memory limit, up from 50%" in f.summary
    assert "OOMKilled in the last 24 h: openclaw-adapter-amazon-5d8f7b9c4-old00/adapter" in (
        f.evidence
    )


def test_no_memory_limit_means_no_near_limit_finding() -> None:
    assert findings(HEALTHY, pods=(replace(POD, limit_bytes=None),)) == []


def test_stale_metrics_say_since_when() -> None:
    f = only(findings(replace(HEALTHY, platform="tiktok", last_sample_age_seconds=1200)))
    assert f.id == "metrics-absent"
    assert "stopped arriving 20m ago" in f.summary


def test_fresh_enough_metrics_are_not_stale() -> None:
    assert findings(replace(HEALTHY, last_sample_age_seconds=179)) == []


def test_expected_platform_without_metrics_is_absent() -> None:
    snapshot = MetricsSnapshot(adapters=(HEALTHY,))
    found = metrics_findings(snapshot, expected_platforms={"amazon", "walmart"})
    f = only(found)
    assert (f.id, f.subject) == ("metrics-absent", "adapter/walmart")


def test_no_metrics_at_all_is_one_finding() -> None:
    f = only(metrics_findings(MetricsSnapshot()))
    assert (f.id, f.subject) == ("metrics-absent", "prometheus")


def test_infinite_and_missing_values_still_explain_themselves() -> None:
    adapter = replace(
        HEALTHY,
        p95_latency_seconds=math.inf,
        queue_depth=None,
        queue_oldest_age_seconds=math.inf,
        last_sample_age_seconds=None,
    )
    pod = replace(POD, working_set_bytes=math.inf)
    found = findings(adapter, pods=(pod,))
    assert {f.id for f in found} == {"queue-backlog", "metrics-absent", "memory-near-limit"}
    for f in found:
        assert f.summary.endswith(".") and ". " not in f.summary


def test_every_summary_is_one_sentence() -> None:
    adapters = (
        replace(HEALTHY, error_ratio=0.3, sync_failures=(("x", 1.0),)),
        replace(HEALTHY, platform="shopee", throttled_ratio=0.7),
        replace(HEALTHY, platform="lazada", queue_depth=5000, queue_oldest_age_seconds=9000),
        replace(HEALTHY, platform="tiktok", last_sample_age_seconds=7300),
    )
    pods = (replace(POD, working_set_bytes=500 * MIB),)
    found = findings(*adapters, pods=pods)
    assert len(found) == 5
    for f in found:
        assert f.summary[0].isupper() and f.summary.endswith("."), f.summary
        assert ". " not in f.summary, f.summary
