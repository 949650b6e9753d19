"""Loading the configuration: defaults < TOML file < OC_* environment < command-line flags,
validated into one Config (config.py); an unknown key or a bad value is one line naming the
key and where it came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oc_console.config import Config
from oc_console.errors import UserError

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
    ("OC_AUDIT_DSN", "audit.dsn"),
    ("OC_DOCKER", "docker.host"),
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


_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLEANS.update({"false": False, "0": False, "no": False, "off": False})


def parse_bool(name: str, value: str) -> bool:
    """Exactly true/false/1/0/yes/no/on/off, any case: a typo in a safety switch such as
    OC_READ_ONLY must stop the console, not quietly mean "false"."""
    try:
        return _BOOLEANS[value.strip().lower()]
    except KeyError:
        raise UserError(
            f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no or on/off)"
        ) from None


def _explain(err: ValidationError, origin: str) -> UserError:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return UserError(f"{origin}: unknown key '{key}'")
    message = str(first["msg"]).removeprefix("Value error, ")
    return UserError(f"{origin}: bad value for '{key}': {message}")


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
                value = parse_bool(env, environ[env])
            _set(tree, dotted, value)
            origin = f"{origin} + environment"
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    for dotted, value in given.items():
        _set(tree, dotted, value)
    if given:
        origin = f"{origin} + command line"
    try:
        return Config.model_validate(tree).with_environ(environ)
    except ValidationError as exc:
        raise _explain(exc, origin) from None
