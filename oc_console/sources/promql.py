"""Every PromQL query the console runs, in one place.

Per-platform figures are batched with `by (platform)` so one refresh costs the same few queries
whatever the fleet's size. Values from configuration (namespaces) are escaped twice: for the
regex they go into, then for the PromQL string literal that holds the regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from oc_console.config import ADAPTER_PATTERN
from oc_console.domain.metrics import MetricNames

RATE_WINDOW = "5m"
FAILURE_WINDOW_SECONDS = 3600
TERMINATION_WINDOW = "24h"
HISTORY_SECONDS = 3600
HISTORY_STEP_SECONDS = 60
P95 = 0.95

# Pods of Deployment `openclaw-adapter-<p>` are `openclaw-adapter-<p>-<replicaset hash>-<suffix>`.
_POD_SUFFIX = "-[a-z0-9]+-[a-z0-9]+"

# PgBouncer's pools as its exporters name them: the prometheus-community exporter
# (`pgbouncer_pools_*`, `pgbouncer_databases_*`) and Debian's `prometheus-pgbouncer-exporter`
# (`pgbouncer_waiting_clients`, ...), which has no per-pool server counts.
PGBOUNCER_METRICS: tuple[str, ...] = (
    "pgbouncer_pools_client_active_connections",
    "pgbouncer_pools_client_waiting_connections",
    "pgbouncer_pools_server_active_connections",
    "pgbouncer_pools_server_idle_connections",
    "pgbouncer_pools_server_used_connections",
    "pgbouncer_pools_client_maxwait_seconds",
    "pgbouncer_databases_pool_size",
    "pgbouncer_databases_current_connections",
    "pgbouncer_active_clients",
    "pgbouncer_waiting_clients",
    "pgbouncer_pool_size",
    "pgbouncer_used_servers",
)

_REGEX_SPECIAL = frozenset("\\.+*?()|[]{}^$")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class Query:
    name: str
    promql: str
    range_seconds: int = 0  # 0: an instant query; otherwise over the last range_seconds
    step_seconds: int = 0


def quote(value: str) -> str:
    """A PromQL double-quoted string literal holding `value` exactly."""
    body = "".join(
        _STRING_ESCAPES.get(c, f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in value
    )
    return f'"{body}"'


def regex_literal(value: str) -> str:
    """`value` as an RE2 regex that matches only itself."""
    return "".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in value)


def _deployment_body(adapter_pattern: str) -> str:
    """The Deployment-name regex without its anchors, so a pod suffix can follow it."""
    return adapter_pattern.removeprefix("^").removesuffix("$")


def pod_regex(adapter_pattern: str = ADAPTER_PATTERN) -> str:
    """The adapter pods' names as one regex, from the same `kubernetes.adapter_pattern` that
    picks the Deployments, so the cluster view and the metrics never disagree on what an
    adapter is. RE2 (Prometheus) reads the `(?P<platform>...)` group as Python does."""
    return f"(?:{_deployment_body(adapter_pattern)}){_POD_SUFFIX}"


@cache
def _pod_matcher(adapter_pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{pod_regex(adapter_pattern)}$")


def platform_of_pod(pod: str, adapter_pattern: str = ADAPTER_PATTERN) -> str | None:
    match = _pod_matcher(adapter_pattern).match(pod)
    return match.group("platform") if match else None


def platform_reader(adapter_pattern: str = ADAPTER_PATTERN) -> Callable[[str], str | None]:
    return lambda pod: platform_of_pod(pod, adapter_pattern)


def _namespace_matcher(namespaces: tuple[str, ...]) -> str:
    """The empty alternative keeps series that have no namespace label at all: adapters'
    own metrics carry one only when the scrape config adds it."""
    if not namespaces:
        return ""
    alternatives = "|".join([*(regex_literal(n) for n in namespaces), ""])
    return f"namespace=~{quote(alternatives)}"


def _cluster_matcher(cluster: tuple[str, str] | None) -> str:
    """One store for many clusters: (label, value), the value escaped as every other one."""
    if cluster is None:
        return ""
    label, value = cluster
    return f"{label}={quote(value)}"


def _selector(*matchers: str) -> str:
    return "{" + ", ".join(m for m in matchers if m) + "}"


def catalog(
    namespaces: tuple[str, ...],
    adapter_pattern: str = ADAPTER_PATTERN,
    names: MetricNames = MetricNames(),  # noqa: B008 - frozen, shared safely
    cluster: tuple[str, str] | None = None,
) -> tuple[Query, ...]:
    """The queries of one refresh. `namespaces` are sorted so equal sets give equal queries;
    `cluster` (label, value) narrows every selector to one cluster's series."""
    n = names
    scope = (_cluster_matcher(cluster), _namespace_matcher(tuple(sorted(set(namespaces)))))
    ns = ", ".join(m for m in scope if m)
    adapter = _selector(ns)
    pod_re = quote(pod_regex(adapter_pattern))
    pods = _selector(ns, f"pod=~{pod_re}")
    # cAdvisor also reports the pod's sandbox ("POD") and the pod as a whole (no container).
    working_set = _selector(ns, f"pod=~{pod_re}", 'container!=""', 'container!="POD"')
    memory_limit = _selector('resource="memory"', 'unit="byte"', ns, f"pod=~{pod_re}")
    queue = _selector(f"__name__=~{quote(f'{n.queue_depth}|{n.queue_oldest_age}')}", ns)
    seen = _selector(f"__name__=~{quote(f'{n.requests_total}|{n.queue_depth}')}", ns)
    by_pod = "namespace, pod, container"
    server_errors = _selector(ns, 'status=~"5.."')
    bouncer = _selector(f"__name__=~{quote('|'.join(PGBOUNCER_METRICS))}", ns)
    return (
        Query(
            "requests",
            f"sum by (platform, status) (rate({n.requests_total}{adapter}[{RATE_WINDOW}]))",
        ),
        Query(
            "latency_p95",
            f"histogram_quantile({P95}, sum by (platform, le) "
            f"(rate({n.request_duration_bucket}{adapter}[{RATE_WINDOW}])))",
        ),
        # One query for both queue gauges: grouping by the metric name keeps them apart.
        Query("queue", f"max by (__name__, platform) ({queue})"),
        Query(
            "sync_failures",
            f"sum by (platform, reason) "
            f"(increase({n.sync_failures_total}{adapter}[{FAILURE_WINDOW_SECONDS}s]))",
        ),
        # When each platform was last scraped: exact while its series are fresh, otherwise
        # found minute by minute over the last hour, so a scrape that stopped still shows. The
        # queue gauge counts too: an idle adapter may not have exported a request yet.
        Query(
            "last_seen",
            f"max by (platform) (timestamp({seen})) or max by (platform) "
            f"(max_over_time(timestamp({seen})[{HISTORY_SECONDS}s:{HISTORY_STEP_SECONDS}s]))",
        ),
        Query(
            "memory_limit",
            f"max by ({by_pod}) ({n.pod_memory_limit}{memory_limit})",
        ),
        Query(
            "restarts",
            f"max by ({by_pod}) ({n.pod_restarts}{pods})",
        ),
        # The last time each reason was reported: outlives the pod, and the latest one per
        # container is its last termination reason.
        Query(
            "terminations",
            f"max by ({by_pod}, reason) (max_over_time(timestamp("
            f"{n.pod_last_terminated_reason}{pods})"
            f"[{TERMINATION_WINDOW}:{HISTORY_STEP_SECONDS}s]))",
        ),
        # The 5xx share over the last hour, for the Changes screen's time axis and for when an
        # error rate began.
        Query(
            "errors_history",
            f"sum by (platform) (rate({n.requests_total}{server_errors}"
            f"[{RATE_WINDOW}])) / sum by (platform) "
            f"(rate({n.requests_total}{adapter}[{RATE_WINDOW}]))",
            range_seconds=HISTORY_SECONDS,
            step_seconds=HISTORY_STEP_SECONDS,
        ),
        Query(
            "memory",
            f"max by ({by_pod}) ({n.container_working_set}{working_set})",
            range_seconds=HISTORY_SECONDS,
            step_seconds=HISTORY_STEP_SECONDS,
        ),
        # Every PgBouncer gauge in one query, per PgBouncer (instance) and pool; empty where no
        # exporter is scraped. `name` is the pgbouncer_databases_* label for the database.
        Query(
            "pgbouncer",
            f"max by (__name__, instance, database, user, name) ({bouncer})",
        ),
    )
