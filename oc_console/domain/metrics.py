"""Metrics as the console shows them: per adapter (platform) and per adapter pod."""

from __future__ import annotations

import re
from dataclasses import dataclass

from oc_console.domain.database import BouncerPool

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


@dataclass(frozen=True)
class MetricNames:
    """The metric names the PromQL catalog reads; an OpenClaw that exports its own prefix or
    a cluster with renamed kube-state-metrics changes them in the config file."""

    requests_total: str = "openclaw_adapter_requests_total"
    request_duration_bucket: str = "openclaw_adapter_request_duration_seconds_bucket"
    queue_depth: str = "openclaw_queue_depth"
    queue_oldest_age: str = "openclaw_queue_oldest_age_seconds"
    sync_failures_total: str = "openclaw_order_sync_failures_total"
    pod_memory_limit: str = "kube_pod_container_resource_limits"
    pod_restarts: str = "kube_pod_container_status_restarts_total"
    pod_last_terminated_reason: str = "kube_pod_container_status_last_terminated_reason"
    container_working_set: str = "container_memory_working_set_bytes"

    def __post_init__(self) -> None:
        for key, value in vars(self).items():
            if not _METRIC_NAME.match(value):
                raise ValueError(f"{key}: {value!r} is not a Prometheus metric name")


# The sandbox's stand-in for Prometheus starts each answer's warnings with this, so the console
# can say in its header that the numbers are not from a real Prometheus.
STAND_IN_PREFIX = "stand-in metrics:"


@dataclass(frozen=True)
class AdapterMetrics:
    """One platform's adapter over the last few minutes; None means Prometheus had no value."""

    platform: str
    request_rate: float | None = None  # requests per second
    error_ratio: float | None = None  # share of requests answered 5xx
    throttled_ratio: float | None = None  # share of requests answered 429
    p95_latency_seconds: float | None = None
    queue_depth: float | None = None
    queue_oldest_age_seconds: float | None = None
    sync_failures: tuple[tuple[str, float], ...] = ()  # (reason, failures in the last hour)
    last_sample_age_seconds: float | None = None  # None: no sample in the last hour
    # (unix seconds, 5xx share) over the last hour, one point a minute
    error_ratio_history: tuple[tuple[float, float], ...] = ()

    @property
    def sync_failures_total(self) -> float:
        return sum(count for _, count in self.sync_failures)


@dataclass(frozen=True)
class PodMemory:
    """One adapter container: memory against its limit, and its restarts."""

    namespace: str
    pod: str
    container: str
    platform: str | None
    working_set_bytes: float | None = None
    limit_bytes: float | None = None
    history: tuple[float, ...] = ()  # working set over the last hour, one point a minute
    restarts: int | None = None
    last_terminated_reason: str | None = None

    @property
    def ratio(self) -> float | None:
        return _ratio(self.working_set_bytes, self.limit_bytes)

    @property
    def ratio_history(self) -> tuple[float, ...]:
        """The sparkline: each point against today's limit (limits rarely change)."""
        if not self.limit_bytes:
            return ()
        return tuple(v / self.limit_bytes for v in self.history)


@dataclass(frozen=True)
class Termination:
    """A container termination reason kube-state-metrics reported in the last 24 h.

    It outlives the pod: a replaced pod's OOMKilled is still here, gone from the pod's status.
    """

    namespace: str
    pod: str
    container: str
    platform: str | None
    reason: str
    last_reported_at: float  # unix seconds when kube-state-metrics last reported it


@dataclass(frozen=True)
class MetricsSnapshot:
    adapters: tuple[AdapterMetrics, ...] = ()
    pods: tuple[PodMemory, ...] = ()
    terminations: tuple[Termination, ...] = ()
    warnings: tuple[str, ...] = ()  # from the server, shown as they came
    stand_in: bool = False  # answered by the sandbox's stand-in, not a real Prometheus
    queries: int = 0  # how many queries this refresh cost
    evaluated_at: float | None = None  # the server's clock (unix seconds) for instant queries
    pgbouncer: tuple[BouncerPool, ...] = ()  # PgBouncer's pools, when an exporter is scraped

    def adapter(self, platform: str) -> AdapterMetrics | None:
        return next((a for a in self.adapters if a.platform == platform), None)

    def oom_kills(self, platform: str) -> tuple[Termination, ...]:
        return tuple(
            t for t in self.terminations if t.platform == platform and t.reason == "OOMKilled"
        )


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole
