"""Turns the catalog's answers (Prometheus API `data.result` lists) into a MetricsSnapshot.

Values arrive as strings; "NaN" (a ratio or quantile of nothing) becomes None, and "+Inf"
stays infinite so a reader sees it rather than a made-up number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from oc_console.domain.metrics import (
    STAND_IN_PREFIX,
    AdapterMetrics,
    MetricNames,
    MetricsSnapshot,
    PodMemory,
    Termination,
)
from oc_console.sources.prometheus_pgbouncer import bouncer_pools
from oc_console.sources.promql import Query, platform_of_pod

Series = dict[str, Any]
PodKey = tuple[str, str, str]  # namespace, pod, container


@dataclass(frozen=True)
class Answer:
    query: Query
    result: list[Series]
    warnings: tuple[str, ...] = ()
    range_end: float | None = None  # the last step of a range query, unix seconds


PlatformOf = Callable[[str], str | None]


def snapshot_from(
    answers: Sequence[Answer],
    names: MetricNames = MetricNames(),  # noqa: B008 - frozen, shared safely
    platform_of: PlatformOf = platform_of_pod,
) -> MetricsSnapshot:
    """`names` and `platform_of` must be those the catalog was built with."""
    results = {a.query.name: a.result for a in answers}
    warnings = tuple(dict.fromkeys(w for a in answers for w in a.warnings))
    memory = next((a for a in answers if a.query.name == "memory"), None)
    return MetricsSnapshot(
        adapters=_adapters(results, names),
        pods=_pods(results, _current_since(memory), platform_of),
        terminations=_terminations(results.get("terminations", []), platform_of),
        warnings=warnings,
        stand_in=any(w.startswith(STAND_IN_PREFIX) for w in warnings),
        queries=len(answers),
        evaluated_at=_evaluated_at(a.result for a in answers if not a.query.range_seconds),
        pgbouncer=bouncer_pools(results.get("pgbouncer", [])),
    )


def _current_since(memory: Answer | None) -> float | None:
    """The earliest time the memory query's last point may carry and still be current.

    Prometheus puts a range query's last point at its end; a store that aligns ranges to the
    step (VictoriaMetrics, Thanos or Mimir behind a caching query frontend) puts it up to one
    step earlier. A pod that is gone has no point in that last step."""
    if memory is None or memory.range_end is None:
        return None
    return memory.range_end - max(memory.query.step_seconds, 1)


def _number(text: object) -> float | None:
    value = float(str(text))
    return None if math.isnan(value) else value


def _instant(series: Series) -> float | None:
    return _number(series["value"][1])


def _by_platform(result: list[Series]) -> dict[str, float]:
    out: dict[str, float] = {}
    for series in result:
        platform, value = series["metric"].get("platform"), _instant(series)
        if platform and value is not None:
            out[platform] = value
    return out


def _share(part: float, whole: float) -> float | None:
    if whole <= 0 or math.isnan(part / whole):
        return None
    return part / whole


def _adapters(results: dict[str, list[Series]], names: MetricNames) -> tuple[AdapterMetrics, ...]:
    rates: dict[str, dict[str, float]] = defaultdict(dict)
    for series in results.get("requests", []):
        platform, value = series["metric"].get("platform"), _instant(series)
        if platform and value is not None:
            rates[platform][series["metric"].get("status", "")] = value
    p95 = _by_platform(results.get("latency_p95", []))
    depth = _by_platform(_named(results.get("queue", []), names.queue_depth))
    age = _by_platform(_named(results.get("queue", []), names.queue_oldest_age))
    failures: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for series in results.get("sync_failures", []):
        platform, value = series["metric"].get("platform"), _instant(series)
        if platform and value:
            failures[platform].append((series["metric"].get("reason", "unknown"), value))
    last_age = {
        series["metric"]["platform"]: float(series["value"][0]) - value
        for series in results.get("last_seen", [])
        if series["metric"].get("platform") and (value := _instant(series)) is not None
    }
    errors_history: dict[str, tuple[tuple[float, float], ...]] = {}
    for series in results.get("errors_history", []):
        platform = series["metric"].get("platform")
        if platform:
            errors_history[platform] = tuple(
                (float(t), v) for t, raw in series["values"] if (v := _number(raw)) is not None
            )
    platforms = sorted({*rates, *p95, *depth, *age, *failures, *last_age})
    adapters = []
    for p in platforms:
        total = sum(rates[p].values()) if p in rates else None
        errors = sum(v for status, v in rates[p].items() if status.startswith("5"))
        adapters.append(
            AdapterMetrics(
                platform=p,
                request_rate=total,
                error_ratio=_share(errors, total) if total is not None else None,
                throttled_ratio=_share(rates[p].get("429", 0.0), total) if total else None,
                p95_latency_seconds=p95.get(p),
                queue_depth=depth.get(p),
                queue_oldest_age_seconds=age.get(p),
                sync_failures=tuple(sorted(failures[p], key=lambda f: (-f[1], f[0]))),
                last_sample_age_seconds=last_age.get(p),
                error_ratio_history=errors_history.get(p, ()),
            )
        )
    return tuple(adapters)


def _named(result: list[Series], name: str) -> list[Series]:
    return [s for s in result if s["metric"].get("__name__") == name]


def _key(series: Series) -> PodKey:
    m = series["metric"]
    return (m.get("namespace", ""), m.get("pod", ""), m.get("container", ""))


def _pods(
    results: dict[str, list[Series]], current_since: float | None, platform_of: PlatformOf
) -> tuple[PodMemory, ...]:
    limits = {_key(s): v for s in results.get("memory_limit", []) if (v := _instant(s))}
    restarts = {
        _key(s): int(v) for s in results.get("restarts", []) if (v := _instant(s)) is not None
    }
    history: dict[PodKey, tuple[float, ...]] = {}
    current: dict[PodKey, float] = {}
    for series in results.get("memory", []):
        points = [(float(t), _number(v)) for t, v in series["values"]]
        history[_key(series)] = tuple(v for _, v in points if v is not None)
        last_t, last_v = points[-1] if points else (0.0, None)
        # A pod that is gone has a history but no point in the last step.
        if current_since is not None and last_t > current_since and last_v is not None:
            current[_key(series)] = last_v
    latest: dict[PodKey, Termination] = {}
    for t in _terminations(results.get("terminations", []), platform_of):
        key = (t.namespace, t.pod, t.container)
        if key not in latest:  # newest first
            latest[key] = t
    pods = []
    for key in sorted({*current, *limits, *restarts}):
        namespace, pod, container = key
        pods.append(
            PodMemory(
                namespace=namespace,
                pod=pod,
                container=container,
                platform=platform_of(pod),
                working_set_bytes=current.get(key),
                limit_bytes=limits.get(key),
                history=history.get(key, ()) if key in current else (),
                restarts=restarts.get(key),
                last_terminated_reason=latest[key].reason if key in latest else None,
            )
        )
    return tuple(pods)


def _terminations(result: list[Series], platform_of: PlatformOf) -> tuple[Termination, ...]:
    found = [
        Termination(
            namespace=namespace,
            pod=pod,
            container=container,
            platform=platform_of(pod),
            reason=series["metric"].get("reason", "unknown"),
            last_reported_at=value,
        )
        for series in result
        if (value := _instant(series)) is not None
        for namespace, pod, container in [_key(series)]
    ]
    return tuple(sorted(found, key=lambda t: (-t.last_reported_at, t.pod, t.container)))


def _evaluated_at(results: Iterable[list[Series]]) -> float | None:
    return next((float(s["value"][0]) for result in results for s in result), None)
