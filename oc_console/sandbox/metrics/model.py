"""The sandbox fleet's metrics as functions of time.

The exporter, the backfilled history and the stand-in all read this one model, so a real
Prometheus and the stand-in show the same fleet. Counters grow at a fixed rate from `origin`,
which is what makes rate() and increase() over them come out exact.

Scenario `order` (and `all`): shopee is rate-limited (429 storm), lazada's queue backs up while
the adapter answers normally, tiktok fails a quarter of its calls with 5xx. Scenario `oom` (and
`all`): amazon containers whose last termination was OOMKilled climb towards their limit again.
Request latency (latency.py) differs per platform and moves over time in every scenario.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from .latency import BUCKETS, Profile, quantile

THROTTLED, BACKLOG, FAILING, LEAKING = "shopee", "lazada", "tiktok", "amazon"
HISTORY_SECONDS = 75 * 60  # covers the console's 1 h windows from the first refresh
BACKLOG_SECONDS = 25 * 60  # how long lazada's queue has been growing when the sandbox starts
RAMP_SECONDS = 20 * 60  # a leaking container's climb from half its limit to the plateau
PLATEAU = 0.96
BASE_RATES = {"amazon": 8.0, "shopee": 5.0, "tiktok": 4.0, "lazada": 6.0, "shopify": 3.0}
Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SandboxPod:
    """One container of the sandbox's Kubernetes fleet, as its metrics need it."""

    namespace: str
    pod: str
    container: str
    platform: str
    memory_limit_bytes: int
    restarts: int
    last_terminated_reason: str | None


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Labels
    value: float


class FleetModel:
    def __init__(
        self, pods: Callable[[], list[SandboxPod]], scenarios: frozenset[str], started_at: float
    ) -> None:
        self._pods = pods
        self.order = bool({"order", "all"} & scenarios)
        self.oom = bool({"oom", "all"} & scenarios)
        self.started_at = started_at
        self.origin = started_at - HISTORY_SECONDS
        self._lock = threading.Lock()
        self._latency: dict[str, Profile] = {}
        # A leaking container climbs from when it (re)started; those there at the start
        # have been climbing for a while, one a replacement brings starts fresh.
        self._ramp_start = {
            (p.pod, p.container): started_at - RAMP_SECONDS - _spread(p.pod, 300) for p in pods()
        }

    def pods(self) -> list[SandboxPod]:
        return list(self._pods())

    def platforms(self, pods: list[SandboxPod]) -> dict[str, str]:
        """platform -> the namespace its adapter runs in."""
        return {p.platform: p.namespace for p in sorted(pods, key=lambda p: p.pod)}

    # --- adapters ---

    def status_rates(self, platform: str) -> dict[str, float]:
        base = BASE_RATES.get(platform, 2.0)
        if self.order and platform == THROTTLED:
            return {"200": base * 0.4, "429": base * 0.6}
        if self.order and platform == FAILING:
            return {"200": base * 0.75, "500": base * 0.2, "503": base * 0.05}
        return {"200": base * 0.995, "429": base * 0.003, "500": base * 0.002}

    def failure_rates(self, platform: str) -> dict[str, float]:
        rates = {"validation_error": 0.002}
        if self.order and platform == FAILING:
            rates["platform_5xx"] = BASE_RATES.get(platform, 2.0) * 0.25
        return rates

    def queue(self, platform: str, t: float) -> tuple[float, float]:
        """(depth, oldest message age in seconds) at time t."""
        since = self.started_at - BACKLOG_SECONDS
        if self.order and platform == BACKLOG and t >= since:
            return 1200 + 1.5 * (t - since), t - since
        return round(3 + 2 * math.sin(t / 97)), 1.5 + math.sin(t / 53)

    def latency(self, platform: str) -> Profile:
        with self._lock:
            if platform not in self._latency:
                self._latency[platform] = Profile.of(platform)
            return self._latency[platform]

    def latency_quantile(self, platform: str, q: float, t: float, window: float) -> float:
        """What histogram_quantile(q, rate(..._bucket[window])) makes of the model at t."""
        total = sum(self.status_rates(platform).values())
        return quantile(q, self.latency(platform).buckets(total, t - window, t))

    def counter(self, rate: float, t: float) -> float:
        return rate * max(0.0, t - self.origin)

    # --- pods ---

    def leaking(self, pod: SandboxPod) -> bool:
        return self.oom and pod.platform == LEAKING and pod.last_terminated_reason == "OOMKilled"

    def memory(self, pod: SandboxPod, t: float) -> float:
        """Working-set bytes at time t."""
        limit = pod.memory_limit_bytes
        if not self.leaking(pod):
            return limit * (0.35 + 0.03 * math.sin(t / 300 + _spread(pod.pod, 7)))
        with self._lock:
            start = self._ramp_start.setdefault((pod.pod, pod.container), t)
        if t < start:  # before its last restart: climbs to the limit and is OOMKilled
            return limit * (0.5 + 0.5 * (((t - start) % RAMP_SECONDS) / RAMP_SECONDS))
        climbed = min(1.0, (t - start) / RAMP_SECONDS)
        return limit * (0.5 + (PLATEAU - 0.5) * climbed + 0.004 * math.sin(t / 41))

    # --- every series at time t ---

    def samples(self, t: float, pods: list[SandboxPod]) -> list[Sample]:
        out: list[Sample] = []
        for platform, namespace in sorted(self.platforms(pods).items()):
            out += self._adapter(platform, namespace, t)
        for pod in pods:
            out += self._pod(pod, t)
        return out

    def _adapter(self, platform: str, namespace: str, t: float) -> list[Sample]:
        base: Labels = (("namespace", namespace), ("platform", platform))
        rates = self.status_rates(platform)
        total = sum(rates.values())
        depth, age = self.queue(platform, t)
        out = [
            Sample("openclaw_adapter_requests_total", (*base, ("status", s)), self.counter(r, t))
            for s, r in sorted(rates.items())
        ]
        profile = self.latency(platform)
        buckets = profile.buckets(total, self.origin, max(self.origin, t))
        out += [
            Sample(
                "openclaw_adapter_request_duration_seconds_bucket",
                (*base, ("le", format_le(le))),
                count,
            )
            for le, count in zip(BUCKETS, buckets, strict=True)
        ]
        out += [
            Sample("openclaw_adapter_request_duration_seconds_count", base, self.counter(total, t)),
            Sample(
                "openclaw_adapter_request_duration_seconds_sum",
                base,
                profile.total_seconds(total, self.origin, max(self.origin, t)),
            ),
            Sample("openclaw_queue_depth", base, depth),
            Sample("openclaw_queue_oldest_age_seconds", base, age),
        ]
        out += [
            Sample("openclaw_order_sync_failures_total", (*base, ("reason", r)), self.counter(n, t))
            for r, n in sorted(self.failure_rates(platform).items())
        ]
        return out

    def _pod(self, pod: SandboxPod, t: float) -> list[Sample]:
        ids: Labels = (("namespace", pod.namespace), ("pod", pod.pod), ("container", pod.container))
        out = [
            Sample("container_memory_working_set_bytes", ids, self.memory(pod, t)),
            Sample(
                "kube_pod_container_resource_limits",
                (*ids, ("resource", "memory"), ("unit", "byte")),
                float(pod.memory_limit_bytes),
            ),
            Sample("kube_pod_container_status_restarts_total", ids, float(pod.restarts)),
        ]
        if pod.last_terminated_reason:
            reason = (*ids, ("reason", pod.last_terminated_reason))
            out.append(Sample("kube_pod_container_status_last_terminated_reason", reason, 1.0))
        return out


def format_le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


def _spread(name: str, modulo: int) -> int:
    """A stable per-name offset, so pods do not move in lockstep."""
    return zlib.crc32(name.encode()) % modulo
