"""Findings from Prometheus metrics: failing, throttled or backed-up adapters, pods about to be
OOMKilled, and adapters whose metrics have stopped arriving."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from oc_console.domain.durations import human_bytes, human_duration
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot, PodMemory


@dataclass(frozen=True)
class MetricsThresholds:
    error_ratio_warning: float = 0.05  # share of calls answered 5xx
    error_ratio_critical: float = 0.20
    throttled_ratio_warning: float = 0.10  # share of calls answered 429
    throttled_ratio_critical: float = 0.50
    min_request_rate: float = 0.05  # calls/s; below it a ratio is noise and an adapter "idle"
    queue_depth_warning: float = 1000
    queue_age_warning_seconds: float = 300
    queue_age_critical_seconds: float = 900
    adapter_timeout_seconds: float = 30  # the adapters' own timeout for a platform call
    timeout_share: float = 0.9  # p95 at this share of the timeout counts as timing out
    memory_ratio_warning: float = 0.90
    memory_ratio_critical: float = 0.97
    stale_after_seconds: float = 180


def metrics_findings(
    snapshot: MetricsSnapshot,
    thresholds: MetricsThresholds | None = None,
    expected_platforms: Iterable[str] = (),
) -> list[Finding]:
    """`expected_platforms` (e.g. from the adapter Deployments) turns a platform with no
    metrics at all into a finding instead of a silent gap."""
    t = thresholds or MetricsThresholds()
    findings: list[Finding] = []
    for adapter in snapshot.adapters:
        subject = _subject(snapshot, adapter.platform)
        findings += _errors(adapter, subject, t)
        findings += _throttled(adapter, subject, t)
        findings += _queue(adapter, subject, t)
        findings += _stale(adapter, subject, t)
    for pod in snapshot.pods:
        findings += _memory(snapshot, pod, t)
    findings += _absent(snapshot, expected_platforms)
    return findings


def _subject(snapshot: MetricsSnapshot, platform: str) -> str:
    """namespace/deployment when a pod of the platform is known; adapter metrics often carry
    no namespace of their own."""
    pod = next((p for p in snapshot.pods if p.platform == platform), None)
    return f"{pod.namespace}/{_deployment(pod.pod)}" if pod else f"adapter/{platform}"


def _deployment(pod: str) -> str:
    return pod.rsplit("-", 2)[0]


def _busy(adapter: AdapterMetrics, t: MetricsThresholds) -> bool:
    return adapter.request_rate is not None and adapter.request_rate >= t.min_request_rate


def _errors(adapter: AdapterMetrics, subject: str, t: MetricsThresholds) -> list[Finding]:
    ratio = adapter.error_ratio
    if ratio is None or ratio < t.error_ratio_warning or not _busy(adapter, t):
        return []
    failures = adapter.sync_failures
    top = ""
    if failures:
        reason, count = failures[0]
        top = f"; most sync failures are {reason} ({count:.0f} in the last hour)"
    return [
        Finding(
            id="adapter-error-rate",
            severity=Severity.CRITICAL if ratio >= t.error_ratio_critical else Severity.WARNING,
            subject=subject,
            summary=f"The {adapter.platform} adapter gets HTTP 5xx on {_pct(ratio)} of its "
            f"calls, so those orders fail to sync{top}.",
            evidence=(
                f"5xx ratio {_pct(ratio)} over 5 min (threshold {_pct(t.error_ratio_warning)})",
                f"request rate {_rate(adapter.request_rate)}",
                *(f"sync failures, {reason}: {n:.0f} in 1 h" for reason, n in failures),
            ),
            runbook="order-sync-failed",
        )
    ]


def _throttled(adapter: AdapterMetrics, subject: str, t: MetricsThresholds) -> list[Finding]:
    ratio = adapter.throttled_ratio
    if ratio is None or ratio < t.throttled_ratio_warning or not _busy(adapter, t):
        return []
    critical = ratio >= t.throttled_ratio_critical
    return [
        Finding(
            id="adapter-throttled",
            severity=Severity.CRITICAL if critical else Severity.WARNING,
            subject=subject,
            summary=f"{adapter.platform.capitalize()} rate-limits {_pct(ratio)} of the adapter's "
            "calls (HTTP 429): orders are throttled, not failing, and sync late as the queue "
            "drains.",
            # orders wait and retry rather than fail: late, on a clock, after what is down now
            urgency=Urgency.SOON,
            evidence=(
                f"429 ratio {_pct(ratio)} over 5 min (threshold {_pct(t.throttled_ratio_warning)})",
                f"request rate {_rate(adapter.request_rate)}",
            ),
        )
    ]


def _queue(adapter: AdapterMetrics, subject: str, t: MetricsThresholds) -> list[Finding]:
    depth, age = adapter.queue_depth, adapter.queue_oldest_age_seconds
    deep = depth is not None and depth >= t.queue_depth_warning
    old = age is not None and age >= t.queue_age_warning_seconds
    if not (deep or old):
        return []
    waiting = f"{_count(depth)} orders waiting, the oldest for {_duration(age)}"

    p95 = adapter.p95_latency_seconds
    timeout = t.adapter_timeout_seconds
    if p95 is not None and p95 >= t.timeout_share * timeout:
        cause = "timeout"
        why = (
            f"because calls to {adapter.platform} time out: p95 latency {_duration(p95)} is at "
            f"the {_duration(timeout)} adapter timeout"
        )
    elif not _busy(adapter, t):
        cause = "timeout"
        why = (
            f"because the adapter completes almost no calls ({_rate(adapter.request_rate)}): "
            "it is hung or timing out, not overloaded"
        )
    else:
        cause = "backlog"
        why = (
            f"while the adapter answers normally (p95 {_duration(p95)}, "
            f"{_rate(adapter.request_rate)}): a backlog of volume, not a timeout"
        )
    critical = age is not None and age >= t.queue_age_critical_seconds
    return [
        Finding(
            id="queue-backlog",
            severity=Severity.CRITICAL if critical else Severity.WARNING,
            subject=subject,
            summary=f"The {adapter.platform} queue is backing up ({waiting}) {why}.",
            evidence=(
                f"cause: {cause}",
                f"queue depth {_count(depth)} (threshold {_count(t.queue_depth_warning)})",
                f"oldest message {_duration(age)} "
                f"(threshold {_duration(t.queue_age_warning_seconds)})",
                f"p95 latency {_duration(p95)}, adapter timeout {_duration(timeout)}",
            ),
            touches=int(depth) if depth is not None and math.isfinite(depth) else 1,
        )
    ]


def _stale(adapter: AdapterMetrics, subject: str, t: MetricsThresholds) -> list[Finding]:
    age = adapter.last_sample_age_seconds
    if age is not None and age < t.stale_after_seconds:
        return []
    when = f"{_duration(age)} ago" if age is not None else "more than an hour ago"
    return [
        Finding(
            id="metrics-absent",
            severity=Severity.WARNING,
            subject=subject,
            summary=f"The {adapter.platform} adapter's metrics stopped arriving {when}: its "
            "scrape is down, so its numbers here are not current.",
            evidence=(f"last sample {when} (threshold {_duration(t.stale_after_seconds)})",),
            urgency=Urgency.LATER,
        )
    ]


def _absent(snapshot: MetricsSnapshot, expected: Iterable[str]) -> list[Finding]:
    seen = {a.platform for a in snapshot.adapters}
    missing = sorted(set(expected) - seen)
    findings = [
        Finding(
            id="metrics-absent",
            severity=Severity.WARNING,
            subject=f"adapter/{platform}",
            summary=f"The {platform} adapter has no metrics in Prometheus for the last hour: "
            "it is not scraped, or its series lack the platform label.",
            evidence=(f"no openclaw_adapter_requests_total{{platform={platform!r}}}",),
            urgency=Urgency.LATER,
        )
        for platform in missing
    ]
    if not seen and not snapshot.pods and not missing:
        findings.append(
            Finding(
                id="metrics-absent",
                severity=Severity.WARNING,
                subject="prometheus",
                summary="Prometheus has no OpenClaw adapter metrics for the last hour: the "
                "adapters are not scraped, or the namespaces do not match.",
                urgency=Urgency.LATER,
            )
        )
    return findings


def _memory(snapshot: MetricsSnapshot, pod: PodMemory, t: MetricsThresholds) -> list[Finding]:
    ratio = pod.ratio
    if ratio is None or ratio < t.memory_ratio_warning or pod.limit_bytes is None:
        return []
    history = pod.ratio_history
    trend = f", up from {_pct(history[0])} an hour ago" if history and history[0] < ratio else ""
    ooms = snapshot.oom_kills(pod.platform) if pod.platform else ()
    return [
        Finding(
            id="memory-near-limit",
            severity=Severity.CRITICAL if ratio >= t.memory_ratio_critical else Severity.WARNING,
            subject=f"{pod.namespace}/{_deployment(pod.pod)}",
            summary=f"Pod {pod.pod} uses {_pct(ratio)} of its {_bytes(pod.limit_bytes)} memory "
            f"limit{trend}, and is OOMKilled when it reaches it.",
            evidence=(
                f"container {pod.container}: working set {_bytes(pod.working_set_bytes)} of "
                f"{_bytes(pod.limit_bytes)} (threshold {_pct(t.memory_ratio_warning)})",
                f"restarts {pod.restarts if pod.restarts is not None else 'unknown'}",
                *(f"OOMKilled in the last 24 h: {k.pod}/{k.container}" for k in ooms),
            ),
            runbook="adapter-oomkilled",
            urgency=Urgency.SOON,  # the kill comes when the working set reaches the limit
            target=Target.deployment(pod.namespace, _deployment(pod.pod), pod.platform or ""),
            objects=(Target.pod(pod.namespace, pod.pod, pod.container, pod.platform or ""),),
        )
    ]


def _pct(ratio: float) -> str:
    return f"{ratio:.0%}" if math.isfinite(ratio) else "an unbounded share"


def _rate(rate: float | None) -> str:
    return "no calls" if rate is None else f"{rate:.2g}/s" if rate < 10 else f"{rate:.0f}/s"


def _count(n: float | None) -> str:
    return "unknown" if n is None or not math.isfinite(n) else f"{n:,.0f}"


def _duration(seconds: float | None) -> str:
    return "unknown" if seconds is None or not math.isfinite(seconds) else human_duration(seconds)


def _bytes(n: float | None) -> str:
    return "unknown" if n is None or not math.isfinite(n) else human_bytes(n)
