"""A whole sandbox (database, Kubernetes API, OpenClaw API) and a console acting on it, with
its own audit log per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from oc_console.config import Config
from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console


def sandbox_config(sandbox: Sandbox, **extra: object) -> Config:
    return load_config(None, {**sandbox.flags(), **extra}, environ={})


def console_for(sandbox: Sandbox, audit_path: Path, **extra: object) -> Console:
    return Console(sandbox_config(sandbox, **extra), audit=AuditLog(audit_path))


def records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]
