"""A fake action (the real Action base, no I/O), a fake Kubernetes API that keeps Leases in
memory, and an audit log on disk that also says when it wrote what: every step the engine
takes lands in one ordered list of calls, so a test can assert the order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from oc_console.config import Config, KubernetesConfig
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    Permission,
    Preview,
    Progress,
    Target,
)
from oc_console.runbook.audit import AuditError, AuditLog
from oc_console.runbook.engine import Engine
from oc_console.runbook.identity import Operator
from oc_console.runbook.kubeapi import KubeApi, KubeCallError

LEASES = "/apis/coordination.k8s.io/v1/namespaces/"
ME = Operator("alice", "bastion", "alice@openclaw.io", process="pid 100/aaaaaa")


@dataclass
class Calls:
    """The one ordered record of what happened, across the action, the API and the audit."""

    log: list[str] = field(default_factory=list)

    def __call__(self, what: str) -> None:
        self.log.append(what)

    def without(self, *prefixes: str) -> list[str]:
        return [c for c in self.log if not c.startswith(prefixes)]


class FakeKube:
    """SelfSubjectAccessReview and Leases, as the API server answers them (404, 409)."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.denied: set[tuple[str, str]] = set()  # (verb, resource)
        self.leases: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []  # the Events the engine wrote on targets
        self._rv = 0
        self.server = "https://10.0.0.1:6443"  # the cluster the engine names

    def may(
        self, verb: str, group: str, resource: str, namespace: str, name: str = "", sub: str = ""
    ) -> tuple[bool, str]:
        self.calls(f"rbac {verb} {resource}")
        return (verb, resource) not in self.denied, ""

    def _stamp(self, lease: dict[str, Any]) -> dict[str, Any]:
        self._rv += 1
        lease.setdefault("metadata", {})["resourceVersion"] = str(self._rv)
        return lease

    def call(self, method: str, path: str, *, body: Any = None, **_: Any) -> Any:
        if "/deployments/" in path and method == "GET":  # the Event reads its target's uid
            name = path.rsplit("/", 1)[1]
            meta = {"name": name, "namespace": "openclaw", "uid": f"uid-{name}"}
            return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta}
        if path.startswith("/apis/events.k8s.io/v1/"):
            self.calls(f"event {method}")
            self.events.append(body)
            return body
        assert path.startswith(LEASES), path
        name = path.rsplit("/", 1)[1] if path.count("/") > 6 else ""
        self.calls(f"lease {method}")
        current = self.leases.get(name)
        if method == "GET":
            if current is None:
                raise KubeCallError("leases not found", 404)
            return current
        if method == "POST":
            name = body["metadata"]["name"]
            if name in self.leases:
                raise KubeCallError("already exists", 409)
            self.leases[name] = self._stamp(body)
            return self.leases[name]
        if current is None:
            raise KubeCallError("leases not found", 404)
        wanted = (body.get("metadata") or body.get("preconditions") or {}).get("resourceVersion")
        if wanted != current["metadata"]["resourceVersion"]:
            raise KubeCallError("the object has been modified", 409)
        if method == "PUT":
            self.leases[name] = self._stamp(body)
            return self.leases[name]
        assert method == "DELETE"
        del self.leases[name]
        return {}


class RecordingAudit(AuditLog):
    """A real audit file; `fail` names a phase whose write fails (a full disk)."""

    def __init__(self, path: Path, calls: Calls) -> None:
        super().__init__(path)
        self.calls = calls
        self.fail = ""

    def append(self, record: dict[str, Any]) -> None:
        if record["phase"] == self.fail:
            raise AuditError(f"cannot write {self.path}: No space left on device")
        super().append(record)
        self.calls(f"audit {record['phase']}")


class FakeAction(Action):
    """Restart-like: patch deployments, leased; each hook records itself and can be told to
    refuse or fail. `gate` (`execute_gate`) holds verify (execute) until a test lets it go."""

    kind = "fake"
    title = "fake action"

    def __init__(self, calls: Calls, target: Target | None = None, **params: Any) -> None:
        super().__init__(target or Target("deployment", "adapter-a", "openclaw"), params)
        self.calls = calls
        self.version = "7"  # what current_version answers
        self.confirm_with: str | None = None
        self.fail: dict[str, Exception] = {}
        self.gate: asyncio.Event | None = None
        self.execute_gate: asyncio.Event | None = None

    def permissions(self) -> tuple[Permission, ...]:
        return (Permission("patch", "apps", "deployments"),)

    def _step(self, name: str) -> None:
        self.calls(name)
        if name in self.fail:
            raise self.fail[name]

    async def check(self, env: ActionEnv) -> None:
        self._step("check")

    async def preview(self, env: ActionEnv) -> Preview:
        self._step("preview")
        return Preview("do the fake thing", "detail", "7", {}, self.confirm_with)

    async def current_version(self, env: ActionEnv) -> str:
        self._step("re-check")
        return self.version

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        self._step("execute")
        if self.execute_gate is not None:
            await self.execute_gate.wait()
        return "done it"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        self.calls("verify")
        if self.gate is not None:
            await self.gate.wait()
        if "verify" in self.fail:
            raise self.fail["verify"]
        return "proved it"


@dataclass
class Rig:
    calls: Calls
    kube: FakeKube
    audit: RecordingAudit
    engine: Engine

    def action(self, **params: Any) -> FakeAction:
        return FakeAction(self.calls, **params)

    def records(self) -> list[dict[str, Any]]:
        return list(self.audit.read().records)

    def phases(self) -> list[tuple[str, str]]:
        return [(r["phase"], r.get("reason") or r.get("outcome") or "") for r in self.records()]


def rig(
    tmp_path: Path,
    *,
    namespaces: tuple[str, ...] = ("openclaw",),
    read_only: bool = False,
    operator: Operator = ME,
    kube: FakeKube | None = None,
    calls: Calls | None = None,
) -> Rig:
    calls = calls or Calls()
    kube = kube or FakeKube(calls)
    config = Config(kubernetes=KubernetesConfig(namespaces=namespaces))
    env = ActionEnv(config, operator, "ctx-test", cast(KubeApi, kube))
    audit = RecordingAudit(tmp_path / "audit.jsonl", calls)
    return Rig(calls, kube, audit, Engine(env, audit, read_only=read_only))
