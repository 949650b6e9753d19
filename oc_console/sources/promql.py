"""Every PromQL query the console runs, in one place.

Per-platform figures are batched with `by (platform)` so one refresh costs the same few queries
whatever the fleet's size. Values from configuration (namespaces) are escaped twice: for the
regex they go into, then for the PromQL string literal that holds the regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RATE_WINDOW = "5m"
FAILURE_WINDOW_SECONDS = 3600
TERMINATION_WINDOW = "24h"
HISTORY_SECONDS = 3600
HISTORY_STEP_SECONDS = 60
P95 = 0.95

# Pods of Deployment `openclaw-adapter-<p>` are `openclaw-adapter-<p>-<replicaset hash>-<suffix>`.
ADAPTER_POD = re.compile(
    r"^(?:openclaw|oc)-adapter-(?P<platform>[a-z0-9][a-z0-9-]*?)-[a-z0-9]+-[a-z0-9]+$"
)
_ADAPTER_POD_PROMQL = "(?:openclaw|oc)-adapter-.+"

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


def platform_of_pod(pod: str) -> str | None:
    match = ADAPTER_POD.match(pod)
    return match.group("platform") if match else None


def _namespace_matcher(namespaces: tuple[str, ...]) -> str:
    """The empty alternative keeps series that have no namespace label at all: adapters'
    own metrics carry one only when the scrape config adds it."""
    if not namespaces:
        return ""
    alternatives = "|".join([*(regex_literal(n) for n in namespaces), ""])
    return f"namespace=~{quote(alternatives)}"


def _selector(*matchers: str) -> str:
    return "{" + ", ".join(m for m in matchers if m) + "}"


def catalog(namespaces: tuple[str, ...]) -> tuple[Query, ...]:
    """The queries of one refresh. `namespaces` are sorted so equal sets give equal queries."""
    ns = _namespace_matcher(tuple(sorted(set(namespaces))))
    adapter = _selector(ns)
    pods = _selector(ns, f"pod=~{quote(_ADAPTER_POD_PROMQL)}")
    # cAdvisor also reports the pod's sandbox ("POD") and the pod as a whole (no container).
    working_set = _selector(
        ns, f"pod=~{quote(_ADAPTER_POD_PROMQL)}", 'container!=""', 'container!="POD"'
    )
    memory_limit = _selector(
        'resource="memory"', 'unit="byte"', ns, f"pod=~{quote(_ADAPTER_POD_PROMQL)}"
    )
    queue = _selector('__name__=~"openclaw_queue_depth|openclaw_queue_oldest_age_seconds"', ns)
    seen = _selector('__name__=~"openclaw_adapter_requests_total|openclaw_queue_depth"', ns)
    by_pod = "namespace, pod, container"
    server_errors = _selector(ns, 'status=~"5.."')
    return (
        Query(
            "requests",
            f"sum by (platform, status) "
            f"(rate(openclaw_adapter_requests_total{adapter}[{RATE_WINDOW}]))",
        ),
        Query(
            "latency_p95",
            f"histogram_quantile({P95}, sum by (platform, le) "
            f"(rate(openclaw_adapter_request_duration_seconds_bucket{adapter}[{RATE_WINDOW}])))",
        ),
        # One query for both queue gauges: grouping by the metric name keeps them apart.
        Query("queue", f"max by (__name__, platform) ({queue})"),
        Query(
            "sync_failures",
            f"sum by (platform, reason) "
            f"(increase(openclaw_order_sync_failures_total{adapter}[{FAILURE_WINDOW_SECONDS}s]))",
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
            f"max by ({by_pod}) (kube_pod_container_resource_limits{memory_limit})",
        ),
        Query(
            "restarts",
            f"max by ({by_pod}) (kube_pod_container_status_restarts_total{pods})",
        ),
        # The last time each reason was reported: outlives the pod, and the latest one per
        # container is its last termination reason.
        Query(
            "terminations",
            f"max by ({by_pod}, reason) (max_over_time(timestamp("
            f"kube_pod_container_status_last_terminated_reason{pods})"
            f"[{TERMINATION_WINDOW}:{HISTORY_STEP_SECONDS}s]))",
        ),
        # The 5xx share over the last hour, for the Changes screen's time axis and for when an
        # error rate began.
        Query(
            "errors_history",
            f"sum by (platform) (rate(openclaw_adapter_requests_total{server_errors}"
            f"[{RATE_WINDOW}])) / sum by (platform) "
            f"(rate(openclaw_adapter_requests_total{adapter}[{RATE_WINDOW}]))",
            range_seconds=HISTORY_SECONDS,
            step_seconds=HISTORY_STEP_SECONDS,
        ),
        Query(
            "memory",
            f"max by ({by_pod}) (container_memory_working_set_bytes{working_set})",
            range_seconds=HISTORY_SECONDS,
            step_seconds=HISTORY_STEP_SECONDS,
        ),
    )
