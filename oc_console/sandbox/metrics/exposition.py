"""Samples as text: the Prometheus exposition format for scrapes, OpenMetrics for promtool.

Both want the samples of one metric family together, under one TYPE line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Labels, Sample

TYPES = {
    "openclaw_adapter_requests": "counter",
    "openclaw_adapter_request_duration_seconds": "histogram",
    "openclaw_queue_depth": "gauge",
    "openclaw_queue_oldest_age_seconds": "gauge",
    "openclaw_order_sync_failures": "counter",
    "openclaw_webhook_signature_failures": "counter",
    "openclaw_inventory_feed_last_success_timestamp_seconds": "gauge",
    "pg_stat_activity_count": "gauge",
    "container_memory_working_set_bytes": "gauge",
    "kube_pod_container_resource_limits": "gauge",
    "kube_pod_container_status_restarts": "counter",
    "kube_pod_container_status_last_terminated_reason": "gauge",
}
_SUFFIXES = ("_total", "_bucket", "_count", "_sum")

Series = tuple[str, Labels]


def family(name: str) -> str:
    if name in TYPES:
        return name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in TYPES:
            return name.removesuffix(suffix)
    raise KeyError(name)


def _grouped(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Families in first-seen order, each with its sample names in first-seen order."""
    groups: dict[str, list[str]] = {}
    for name in names:
        members = groups.setdefault(family(name), [])
        if name not in members:
            members.append(name)
    return list(groups.items())


def _series_text(name: str, labels: Labels) -> str:
    if not labels:
        return name
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{body}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_text(samples: Sequence[Sample]) -> str:
    """One scrape, in the text format Prometheus scrapes (version 0.0.4)."""
    by_family: dict[str, list[Sample]] = {}
    for s in samples:
        by_family.setdefault(family(s.name), []).append(s)
    lines = []
    for fam, members in by_family.items():
        kind = TYPES[fam]
        type_name = f"{fam}_total" if kind == "counter" else fam
        lines.append(f"# TYPE {type_name} {kind}")
        lines += [f"{_series_text(s.name, s.labels)} {s.value!r}" for s in members]
    return "\n".join(lines) + "\n"


def render_openmetrics(points: dict[Series, list[tuple[float, float]]]) -> Iterable[str]:
    """Lines of an OpenMetrics file: every series with its (timestamp, value) points."""
    for fam, names in _grouped(name for name, _ in points):
        yield f"# TYPE {fam} {TYPES[fam]}\n"
        for name in names:
            for (series_name, labels), values in points.items():
                if series_name != name:
                    continue
                text = _series_text(name, labels)
                for t, v in values:
                    yield f"{text} {v!r} {t:.3f}\n"
    yield "# EOF\n"
