"""Configuration: defaults < TOML file < OC_* environment < command-line flags.

Every setting lives in one validated model; an unknown key or a bad value is one line
naming the key and where it came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oc_console.errors import UserError

ADAPTER_PATTERN = r"^(?:openclaw|oc)-adapter-(?P<platform>[a-z0-9][a-z0-9-]*)$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KubernetesConfig(_Section):
    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ("openclaw",)
    adapter_label: str = "app"
    adapter_pattern: str = ADAPTER_PATTERN
    timeout_seconds: float = Field(default=10.0, gt=0)


class PostgresConfig(_Section):
    dsn: str | None = None
    idle_in_transaction_threshold: int = Field(default=100, ge=1)
    idle_in_transaction_max_minutes: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=2000, ge=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    statements_every: int = Field(default=5, ge=1)  # pg_stat_statements every Nth refresh


class PrometheusConfig(_Section):
    url: str | None = None
    bearer_token_file: str | None = None
    username: str | None = None
    password: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    ca_file: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)
    # Prometheus scrapes every 15-60 s: reading it every UI tick only burns CPU on both sides
    refresh_seconds: float = Field(default=10.0, ge=1)


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


class TracesConfig(_Section):
    url: str | None = None
    kind: Literal["tempo", "jaeger"] = "tempo"


class OpenClawConfig(_Section):
    api: str | None = None
    token_file: str | None = None


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
    alertmanager: AlertmanagerConfig = AlertmanagerConfig()
    ui: UiConfig = UiConfig()

    # --- which sources are configured (never guessed from a default address) ---
    @property
    def postgres_configured(self) -> bool:
        libpq = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")
        return bool(self.postgres.dsn) or any(os.environ.get(v) for v in libpq)

    @property
    def kubernetes_configured(self) -> bool:
        if self.kubernetes.kubeconfig or os.environ.get("KUBERNETES_SERVICE_HOST"):
            return True
        return Path("~/.kube/config").expanduser().exists()

    @property
    def prometheus_configured(self) -> bool:
        return bool(self.prometheus.url)

    @property
    def alertmanager_configured(self) -> bool:
        return bool(self.alertmanager.url)

    @property
    def traces_configured(self) -> bool:
        return bool(self.traces.url)


# Flat overrides: (env var, dotted key). The CLI uses the same dotted keys for its flags.
ENV_KEYS: tuple[tuple[str, str], ...] = (
    ("OC_KUBECONFIG", "kubernetes.kubeconfig"),
    ("OC_CONTEXT", "kubernetes.context"),
    ("OC_NAMESPACE", "kubernetes.namespaces"),
    ("OC_PG_DSN", "postgres.dsn"),
    ("OC_PROMETHEUS", "prometheus.url"),
    ("OC_TRACES", "traces.url"),
    ("OC_TRACES_KIND", "traces.kind"),
    ("OC_OPENCLAW_API", "openclaw.api"),
    ("OC_ALERTMANAGER", "alertmanager.url"),
    ("OC_READ_ONLY", "read_only"),
)


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "oc-console" / "config.toml"


def _set(tree: dict[str, Any], dotted: str, value: object) -> None:
    *parents, leaf = dotted.split(".")
    for p in parents:
        tree = tree.setdefault(p, {})
    if leaf == "namespaces" and isinstance(value, str):
        value = tuple(n.strip() for n in value.split(",") if n.strip())
    tree[leaf] = value


def _explain(err: ValidationError, origin: str) -> UserError:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return UserError(f"{origin}: unknown key '{key}'")
    return UserError(f"{origin}: bad value for '{key}': {first['msg']}")


def load_config(
    path: str | Path | None = None,
    flags: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective config. `flags` maps dotted keys to values given on the command line."""
    environ = os.environ if environ is None else environ
    explicit = path is not None
    file_path = Path(path) if path is not None else default_config_path()
    tree: dict[str, Any] = {}
    if file_path.exists():
        try:
            tree = tomllib.loads(file_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{file_path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise UserError(f"{file_path}: cannot read: {exc.strerror}") from None
    elif explicit:
        raise UserError(f"{file_path}: config file not found")
    try:
        Config.model_validate(tree)
    except ValidationError as exc:
        raise _explain(exc, str(file_path)) from None

    origin = str(file_path) if file_path.exists() else "config"
    for env, dotted in ENV_KEYS:
        if environ.get(env):
            value: object = environ[env]
            if dotted == "read_only":
                value = environ[env].lower() in ("1", "true", "yes", "on")
            _set(tree, dotted, value)
            origin = f"{origin} + environment"
    for dotted, value in (flags or {}).items():
        if value is not None:
            _set(tree, dotted, value)
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise _explain(exc, origin) from None
