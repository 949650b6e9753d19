"""Which sources a target has: one line each in SOURCES. A spec builds its poller from the
configuration (None inside it when the source is not configured, so it is shown as such and
never tried); the heavy clients are imported here, lazily, off the first frame's path.

Registering one more source is one line in SOURCES; the poller then reads on its own schedule,
is poked, shows its health in the snapshot and is closed with the others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oc_console.config import Config
from oc_console.domain.alerts import AlertsSnapshot
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.domain.orders import RecentFailures
from oc_console.domain.tls import TlsSnapshot
from oc_console.exposure import database_insecure, prometheus_insecure
from oc_console.services.poller import Poller
from oc_console.services.protocols import ClusterSource, OrdersSource, TracesSource

# One second over a source's own timeouts: its own message ("no answer within 5s") is the
# better one when it comes; the poller's deadline is for the fetch that never ends.
DEADLINE_MARGIN_SECONDS = 1.0


def _pg_deadline(config: Config) -> float:
    pg = config.postgres
    return pg.statement_timeout_ms / 1000 + pg.connect_timeout_seconds + DEADLINE_MARGIN_SECONDS


def postgres_poller(config: Config) -> Poller[PoolSnapshot]:
    source = None
    if config.postgres_configured:
        from oc_console.sources.postgres import PostgresSource

        source = PostgresSource(config.postgres)
    return Poller(
        source, "postgres", deadline=_pg_deadline(config), insecure=database_insecure(config)
    )


def docker_poller(config: Config) -> Poller[FleetSnapshot]:
    """A Docker Engine stands in for the cluster: the same fleet, read from a VM."""
    from oc_console.sources.docker.source import DockerSource

    source = DockerSource(config.docker, config.kubernetes.adapter_pattern, environ=config.environ)
    deadline = config.docker.timeout_seconds + DEADLINE_MARGIN_SECONDS
    return Poller(source, "docker", deadline=deadline)


def kube_poller(config: Config) -> Poller[FleetSnapshot]:
    if config.docker_configured:
        return docker_poller(config)
    source: ClusterSource | None = None
    if config.kubernetes_configured:
        from oc_console.sources.kube.source import KubeSource

        source = KubeSource(config.kubernetes, environ=config.environ)
    deadline = config.kubernetes.timeout_seconds + DEADLINE_MARGIN_SECONDS
    return Poller(source, "kubernetes", deadline=deadline)


def metrics_detail(metrics: MetricsSnapshot) -> str | None:
    """Prometheus warnings (partial data, a stand-in) are shown, never dropped."""
    notes = ["stand-in"] if metrics.stand_in else []
    if metrics.warnings and not metrics.stand_in:
        notes.append(f"{len(metrics.warnings)} warnings")
    return ", ".join(notes) or None


def prometheus_poller(config: Config) -> Poller[MetricsSnapshot]:
    source = None
    if config.prometheus_configured:
        from oc_console.sources.prometheus import PrometheusSource

        # One adapter pattern for the cluster view and the PromQL catalog: they cannot disagree.
        source = PrometheusSource(
            config.prometheus, config.kubernetes.namespaces, config.kubernetes.adapter_pattern
        )
    return Poller(
        source,
        "prometheus",
        describe=metrics_detail,
        every=config.prometheus.refresh_seconds,
        deadline=config.prometheus.timeout_seconds + DEADLINE_MARGIN_SECONDS,
        insecure=prometheus_insecure(config),
    )


def traces_poller(config: Config) -> Poller[str]:
    source: TracesSource[str] | None = None
    if config.traces_configured:
        from oc_console.sources.traces.probe import TracesProbe

        source = TracesProbe(config.traces)
    return Poller(
        source,
        "traces",
        every=config.traces.refresh_seconds,
        deadline=config.traces.timeout_seconds + DEADLINE_MARGIN_SECONDS,
    )


def alertmanager_poller(config: Config) -> Poller[AlertsSnapshot]:
    source = None
    if config.alertmanager_configured:
        from oc_console.sources.alertmanager import AlertmanagerSource

        source = AlertmanagerSource(config.alertmanager)
    return Poller(
        source,
        "alertmanager",
        describe=lambda alerts: "stand-in" if alerts.stand_in else None,
        every=config.alertmanager.refresh_seconds,
        deadline=config.alertmanager.timeout_seconds + DEADLINE_MARGIN_SECONDS,
    )


def orders_poller(config: Config) -> Poller[RecentFailures]:
    """The recent failures, from the orders tables of the database the pool probe reads."""
    source: OrdersSource[RecentFailures] | None = None
    if config.postgres_configured:
        from oc_console.sources.orders_db import OrdersDb

        source = OrdersDb(config.postgres, config.orders)
    every = config.orders.refresh_seconds
    return Poller(source, "orders", every=every, deadline=_pg_deadline(config))


def tls_poller(config: Config) -> Poller[TlsSnapshot]:
    """Handshakes with the Ingresses' TLS hosts and `tls.endpoints`, each kept a minute."""
    from oc_console.sources.tls_probe import build

    cfg = config.tls
    deadline = cfg.timeout_seconds * 6 * 4 + config.kubernetes.timeout_seconds
    return Poller(build(config), "tls", every=cfg.refresh_seconds, deadline=deadline)


@dataclass(frozen=True)
class SourceSpec:
    attr: str  # the facade's attribute, and the key the target's pollers are found by
    build: Callable[[Config], Poller[Any]]
    eager: bool = False  # reads at once: it needs none of the slow client imports
    after_pool: bool = False  # a one-shot refresh reads it after the pool probe


# In the header's order. The pool probe reads first and alone, so it never counts a
# connection the orders query is opening beside it.
SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec("postgres", postgres_poller, eager=True),
    SourceSpec("kube", kube_poller),
    SourceSpec("prometheus", prometheus_poller),
    SourceSpec("traces", traces_poller),
    SourceSpec("alertmanager", alertmanager_poller),
    SourceSpec("recent_orders", orders_poller, after_pool=True),
    SourceSpec("tls", tls_poller),
)
