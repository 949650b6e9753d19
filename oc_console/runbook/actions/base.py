"""The one small interface every action implements, and what the engine hands it.

The engine (not the action, not a screen) runs the fixed sequence around these calls:
read-only refusal, scope, RBAC pre-check, check, Lease peek, preview, confirmation, Lease,
re-check, audit start, execute, verify, audit end, Lease released (engine.py says it exactly).
An action only knows how to look, show, do and prove.
"""

from __future__ import annotations

import asyncio
import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

from oc_console.config import Config
from oc_console.domain.kube import FleetSnapshot
from oc_console.runbook.identity import Operator
from oc_console.runbook.kubeapi import KubeApi, KubeCallError

if TYPE_CHECKING:
    from oc_console.sources.docker.client import DockerClient

Progress = Callable[[str], None]


class ActionStop(Exception):
    """The action stopped before or while running; one line for a person."""

    reason = "failed"


class Refused(ActionStop):
    """Nothing was done, on purpose: read-only, RBAC, a Lease, a changed target, a 'no'."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ActionFailed(ActionStop):
    """The action could not be prepared, done or verified."""


@dataclass(frozen=True)
class Target:
    kind: str  # deployment, certificate, backend, order
    name: str
    namespace: str = ""  # the Kubernetes namespace; "" for a database session or an order

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace}


@dataclass(frozen=True)
class Permission:
    verb: str
    group: str
    resource: str
    sub: str = ""

    def describe(self, namespace: str, name: str) -> str:
        res = f"{self.resource}.{self.group}" if self.group else self.resource
        res = f"{res}/{self.sub}" if self.sub else res
        return f"{self.verb} {res} {name + ' ' if name else ''}in namespace {namespace}"


@dataclass(frozen=True)
class Preview:
    summary: str  # one line: what will happen
    detail: str  # the server dry-run diff, the exact SQL, or the HTTP request (token redacted)
    version: str  # what execute must still find (resourceVersion, the session's identity)
    facts: dict[str, str] = field(default_factory=dict)  # recorded in the audit target
    # a name the operator must type to confirm (an auto-syncing Argo CD app that would revert
    # the action): a plain "yes" is not enough
    confirm_with: str | None = None
    confirm_why: str = ""  # why the name is asked for, when not that Argo CD app


@dataclass
class ActionEnv:
    """Everything an action may use; built once per console or CLI run."""

    config: Config
    operator: Operator
    context: str
    kube: KubeApi | None = None
    # a VM: the Docker Engine stands in for the cluster (no kube, a lock file for a Lease)
    docker: DockerClient | None = None
    # the watch cache's latest view (Helm history, Argo CD apps), for who owns a Deployment
    fleet: Callable[[], FleetSnapshot | None] = lambda: None
    rollout_timeout: float = 60.0
    poll_interval: float = 0.25

    def require_kube(self) -> KubeApi:
        if self.kube is None:
            raise ActionFailed("Kubernetes is not configured (--kubeconfig, KUBECONFIG)")
        return self.kube

    def require_docker(self) -> DockerClient:
        if self.docker is None:
            raise ActionFailed("the Docker Engine is not configured (--docker, DOCKER_HOST)")
        return self.docker

    async def kcall(self, method: str, path: str, **kwargs: Any) -> Any:
        """A Kubernetes call in a thread: the client is blocking."""
        kube = self.require_kube()
        try:
            return await asyncio.to_thread(kube.call, method, path, **kwargs)
        except KubeCallError as exc:
            if exc.status == 409:
                raise Refused("target-changed", f"target changed meanwhile: {exc}") from None
            raise ActionFailed(str(exc)) from None


class Action(ABC):
    kind: ClassVar[str]  # restart, undo, scale, replay, cancel, terminate, renew
    title: ClassVar[str]  # "rollout restart"

    def __init__(self, target: Target, params: dict[str, Any] | None = None) -> None:
        self.target = target
        self.params = dict(params or {})

    def permissions(self) -> tuple[Permission, ...]:
        """What the RBAC pre-check asks the API server about (nothing for SQL or HTTP)."""
        return ()

    @property
    def leased(self) -> bool:
        return True

    async def check(self, env: ActionEnv) -> None:
        """Preconditions that make the action pointless or unsafe; raises Refused/ActionFailed."""
        return None

    @abstractmethod
    async def preview(self, env: ActionEnv) -> Preview: ...

    @abstractmethod
    async def current_version(self, env: ActionEnv) -> str:
        """The target's version now, compared with the preview's right before acting."""

    @abstractmethod
    async def execute(self, env: ActionEnv, preview: Preview) -> str: ...

    @abstractmethod
    async def verify(self, env: ActionEnv, progress: Progress) -> str: ...


def yaml_diff(before: Any, after: Any, name: str) -> str:
    """A unified diff of two objects as YAML, as `kubectl diff` shows it."""
    a = yaml.safe_dump(before, sort_keys=True, default_flow_style=False).splitlines()
    b = yaml.safe_dump(after, sort_keys=True, default_flow_style=False).splitlines()
    lines = difflib.unified_diff(a, b, f"live/{name}", f"merged/{name}", lineterm="", n=2)
    return "\n".join(lines) or "(no change)"


def without_noise(obj: dict[str, Any]) -> dict[str, Any]:
    """The parts of an object worth diffing: no managedFields, status or churning metadata."""
    meta = {
        k: v
        for k, v in (obj.get("metadata") or {}).items()
        if k not in ("managedFields", "resourceVersion", "uid", "creationTimestamp")
    }
    return {**{k: v for k, v in obj.items() if k not in ("status", "metadata")}, "metadata": meta}
