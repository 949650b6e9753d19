"""The configuration's settings: one validated model per section (`[kubernetes]`,
`[postgres]`, `[[targets]]`...), and which sources they configure. How they are loaded and
merged (defaults < TOML file < OC_* environment < command-line flags) is config_loading.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from oc_console.analysis.database import PoolThresholds
from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.analysis.metrics import MetricsThresholds
from oc_console.domain.metrics import MetricNames
from oc_console.domain.tls import split_host_port
from oc_console.errors import UserError
from oc_console.pgdsn import read_dsn
from oc_console.redact import redact

ADAPTER_PATTERN = r"^(?:openclaw|oc)-adapter-(?P<platform>[a-z0-9][a-z0-9-]*)$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str | None) -> str | None:
    """An http(s) URL with a host, checked when the config loads rather than at first use."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {redact(value)!r} (expected http://host:port)")
    return value


class KubernetesConfig(_Section):
    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ("openclaw",)
    adapter_label: str = "app"
    adapter_pattern: str = ADAPTER_PATTERN
    timeout_seconds: float = Field(default=10.0, gt=0)
    # the target's name ([[targets]] sets it); a production target's actions are confirmed
    # only by typing that name (the context's, for a single unnamed target)
    name: str | None = None
    production: bool = False
    # [kubernetes.thresholds]: recent_oom_minutes, cert_critical_hours,
    # renew_before_policy_hours (336, the platform's cert-manager policy)
    thresholds: KubeThresholds = KubeThresholds()


class PostgresConfig(_Section):
    dsn: str | None = None

    @field_validator("dsn")
    @classmethod
    def _readable_dsn(cls, value: str | None) -> str | None:
        if value:
            try:
                read_dsn(value)
            except UserError as exc:  # said without the DSN: it may hold a password
                raise ValueError(str(exc).removeprefix("postgres.dsn: ")) from None
        return value

    idle_in_transaction_threshold: int = Field(default=100, ge=1)
    idle_in_transaction_max_minutes: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=2000, ge=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    statements_every: int = Field(default=5, ge=1)  # pg_stat_statements every Nth refresh
    saturation_warning_pct: float = Field(
        default=PoolThresholds.saturation_warning_pct, gt=0, le=100
    )
    saturation_critical_pct: float = Field(
        default=PoolThresholds.saturation_critical_pct, gt=0, le=100
    )

    @property
    def thresholds(self) -> PoolThresholds:
        return PoolThresholds(
            saturation_warning_pct=self.saturation_warning_pct,
            saturation_critical_pct=self.saturation_critical_pct,
            idle_in_transaction_count=self.idle_in_transaction_threshold,
            idle_in_transaction_minutes=self.idle_in_transaction_max_minutes,
        )


class PrometheusConfig(_Section):
    url: str | None = None
    _url = field_validator("url")(_http_url)
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    ca_file: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)
    # Prometheus scrapes every 15-60 s: reading it every UI tick only burns CPU on both sides
    refresh_seconds: float = Field(default=10.0, ge=1)
    thresholds: MetricsThresholds = MetricsThresholds()  # [prometheus.thresholds]
    metric_names: MetricNames = MetricNames()  # [prometheus.metric_names]
    # One store for many clusters (Thanos, Mimir, VictoriaMetrics): only the series whose
    # `cluster_label` is `cluster` are read. No `cluster`: every series.
    cluster_label: str = Field(default="cluster", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    cluster: str | None = None


class AlertmanagerConfig(_Section):
    url: str | None = None
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)
    refresh_seconds: float = Field(default=10.0, ge=1)
    # alertname -> the finding ids that explain it, over the built-in table
    findings: dict[str, list[str]] = Field(default_factory=dict)
    # an alert label name -> the console's name for it (namespace, deployment, pod, platform)
    labels: dict[str, str] = Field(default_factory=dict)
    _url = field_validator("url")(_http_url)


class TracesConfig(_Section):
    url: str | None = None
    kind: Literal["tempo", "jaeger"] = "tempo"
    _url = field_validator("url")(_http_url)
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)
    # Tempo's /api/v2/traces/<id> wraps TracesData in a response message; older Tempos lack it
    tempo_v2: bool = False
    search_limit: int = Field(default=20, ge=1, le=1000)
    # Jaeger's api_v3 search needs a service: every order enters through the webhook, whose
    # span carries order_id, and the search runs before the database has named the platform
    jaeger_service: str = "openclaw-webhook"
    refresh_seconds: float = Field(default=30.0, ge=1)


class OrdersConfig(_Section):
    id_pattern: str = r"[A-Za-z0-9._:-]{1,64}"
    id_max_length: int = Field(default=64, ge=1, le=65536)
    # one deadline per source: a source that drips bytes fails alone
    part_timeout_seconds: float = Field(default=10.0, gt=0)
    search_hours: float = Field(default=24.0, gt=0)  # when the database has no time for it
    recent_hours: float = Field(default=24.0, gt=0)
    stuck_minutes: float = Field(default=15.0, gt=0)  # unprocessed this long counts as stuck
    orders_per_group: int = Field(default=5, ge=1, le=100)
    refresh_seconds: float = Field(default=30.0, ge=1)
    log_lines_max: int = Field(default=500, ge=1)
    order_sql: str | None = None  # replaces the lookup query; $1 is the order ID
    events_sql: str | None = None
    recent_sql: str | None = None  # $1 hours, $2 stuck seconds, $3 orders per group


class OpenClawConfig(_Section):
    api: str | None = None
    _url = field_validator("api")(_http_url)
    token_file: str | None = None


def _host_ports(value: tuple[str, ...]) -> tuple[str, ...]:
    for text in value:
        split_host_port(text)  # raises ValueError naming the bad entry
    return value


class TlsConfig(_Section):
    """[tls]: the endpoints to handshake with beside the Ingresses' TLS hosts (what is not an
    Ingress, such as the workflow API on a VM)."""

    endpoints: tuple[str, ...] = ()  # "host:port"
    _endpoints = field_validator("endpoints")(_host_ports)
    ingresses: bool = True  # also probe every Ingress's spec.tls hosts (port 443)
    timeout_seconds: float = Field(default=3.0, gt=0)  # one handshake's deadline
    refresh_seconds: float = Field(default=60.0, ge=1)  # a probe is cached this long


class AuditConfig(_Section):
    # the shared audit table (runbook/audit_shared.py); the local file is kept all the same
    dsn: str | None = None


class DockerConfig(_Section):
    """A Docker Engine read in place of Kubernetes (one VM with docker compose)."""

    host: str | None = None  # unix:///var/run/docker.sock or tcp://host:2376; else $DOCKER_HOST
    timeout_seconds: float = Field(default=10.0, gt=0)


class TargetConfig(_Section):
    """[[targets]]: one cluster (a kubeconfig context) or VM (a Docker host) among several.
    What it does not set it shares with the top-level sections; a shared Prometheus is read
    for its series whose cluster label is `cluster` (default: the target's name)."""

    name: str = Field(min_length=1, max_length=63)
    context: str | None = None
    kubeconfig: str | None = None
    docker: str | None = None
    namespaces: tuple[str, ...] | None = None
    pg_dsn: str | None = None
    prometheus: str | None = None
    cluster: str | None = None
    traces: str | None = None
    alertmanager: str | None = None
    openclaw_api: str | None = None  # where this target's replays go
    openclaw_token_file: str | None = None
    production: bool = False  # its actions are confirmed only by typing its name
    _urls = field_validator("prometheus", "traces", "alertmanager", "openclaw_api")(_http_url)

    @field_validator("pg_dsn")
    @classmethod
    def _readable_dsn(cls, value: str | None) -> str | None:
        return PostgresConfig._readable_dsn(value)


class UiConfig(_Section):
    refresh_seconds: float = Field(default=2.0, ge=0.2)
    keys: dict[str, str] = Field(default_factory=dict)


class Config(_Section):
    read_only: bool = False
    kubernetes: KubernetesConfig = KubernetesConfig()
    postgres: PostgresConfig = PostgresConfig()
    prometheus: PrometheusConfig = PrometheusConfig()
    traces: TracesConfig = TracesConfig()
    openclaw: OpenClawConfig = OpenClawConfig()
    orders: OrdersConfig = OrdersConfig()
    alertmanager: AlertmanagerConfig = AlertmanagerConfig()
    tls: TlsConfig = TlsConfig()
    audit: AuditConfig = AuditConfig()
    docker: DockerConfig = DockerConfig()
    ui: UiConfig = UiConfig()
    targets: tuple[TargetConfig, ...] = ()
    # The environment the config was loaded from: every later question about it (libpq
    # variables, $KUBECONFIG, in-cluster) reads this, never os.environ, so a test or a caller
    # that passes an environment gets one consistent answer.
    _environ: dict[str, str] | None = PrivateAttr(default=None)

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def with_environ(self, environ: Mapping[str, str]) -> Config:
        self._environ = dict(environ)
        return self

    # --- which sources are configured (never guessed from a default address) ---
    @property
    def postgres_configured(self) -> bool:
        libpq = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")
        return bool(self.postgres.dsn) or any(self.environ.get(v) for v in libpq)

    @property
    def kubernetes_configured(self) -> bool:
        """kubectl's order: --kubeconfig, $KUBECONFIG (a path list), ~/.kube/config, then the
        pod's service account. A $KUBECONFIG naming no existing file is still configured:
        connecting then says so, instead of "not configured"."""
        return kubeconfig_origin(self.kubernetes.kubeconfig, self.environ) is not None

    @property
    def docker_configured(self) -> bool:
        """--docker / docker.host, or $DOCKER_HOST (as the docker CLI reads it) when no
        Kubernetes credentials exist: the Docker Engine then stands in for the cluster."""
        if self.docker.host:
            return True
        return bool(self.environ.get("DOCKER_HOST")) and not self.kubernetes_configured

    @property
    def prometheus_configured(self) -> bool:
        return bool(self.prometheus.url)

    @property
    def alertmanager_configured(self) -> bool:
        return bool(self.alertmanager.url)

    @property
    def tls_configured(self) -> bool:
        """Endpoints are listed, or Ingresses can be read to find them."""
        return bool(self.tls.endpoints) or (self.tls.ingresses and self.kubernetes_configured)

    @property
    def traces_configured(self) -> bool:
        return bool(self.traces.url)

    @property
    def openclaw_configured(self) -> bool:
        return bool(self.openclaw.api)

    @property
    def any_source_configured(self) -> bool:
        return any(
            (
                self.postgres_configured,
                self.kubernetes_configured,
                self.docker_configured,
                self.prometheus_configured,
                self.traces_configured,
                self.openclaw_configured,
            )
        )


def kubeconfig_origin(flag: str | None, environ: Mapping[str, str]) -> str | None:
    """Where Kubernetes credentials come from, as kubectl looks: "--kubeconfig",
    "$KUBECONFIG", "~/.kube/config", "in-cluster", or None when there are none."""
    if flag:
        return "--kubeconfig"
    if any(p for p in environ.get("KUBECONFIG", "").split(os.pathsep)):
        return "$KUBECONFIG"
    home = environ.get("HOME")
    default = Path(home, ".kube", "config") if home else Path("~/.kube/config").expanduser()
    if default.exists():
        return "~/.kube/config"
    if environ.get("KUBERNETES_SERVICE_HOST"):
        return "in-cluster"
    return None
