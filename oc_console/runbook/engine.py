"""The action engine: the one sequence every action goes through, whether a key in the UI,
a runbook step or `oc-console runbook run` started it, so none can skip a step.

    prepare:  read-only refusal -> RBAC pre-check (SelfSubjectAccessReview for the exact verb,
              resource and namespace) -> action's own check -> Lease peek -> preview
    run:      confirmation -> re-check the target's version -> audit start (on disk, fsync'd)
              -> take the Lease -> execute -> verify -> audit end -> give the Lease back

Every refusal (read-only, RBAC, Lease held, target changed, declined) is one audit record and
nothing else is written. Audit writes run in a thread, never on the UI loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    ActionStop,
    Permission,
    Preview,
    Progress,
    Refused,
)
from oc_console.runbook.audit import AuditError, AuditLog, now_iso
from oc_console.runbook.kubeapi import KubeCallError
from oc_console.runbook.lease import LeaseGuard, lease_name
from oc_console.sanitize import clean


@dataclass(frozen=True)
class Plan:
    action: Action
    preview: Preview
    context: str
    lease: str  # what guards the target, for the confirmation

    @property
    def confirmation(self) -> str:
        """Names the target, the namespace and the context."""
        t = self.action.target
        where = f" in namespace {t.namespace}" if t.namespace else ""
        return f"{self.action.title} {t.label}{where} on context {self.context}?"


@dataclass(frozen=True)
class Result:
    status: str  # done | refused | failed | dry-run
    message: str
    reason: str = ""
    preview: Preview | None = None
    steps: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status in ("done", "dry-run")


def _line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clean(text)


class Engine:
    def __init__(self, env: ActionEnv, audit: AuditLog, *, read_only: bool) -> None:
        self.env, self.audit, self.read_only = env, audit, read_only

    # --- records ---
    def _base(self, action: Action, action_id: str, preview: Preview | None) -> dict[str, Any]:
        op = self.env.operator
        target: dict[str, Any] = action.target.to_json()
        if preview is not None:
            target.update(preview.facts)
        return {
            "id": action_id,
            "user": op.user,
            "host": op.host,
            "identity": op.kube_user,
            "context": self.env.context,
            "action": action.kind,
            "target": target,
            "params": {k: v for k, v in action.params.items() if not k.startswith("_")},
        }

    async def _single(
        self, action: Action, phase: str, shown: Preview | None, **fields: Any
    ) -> str:
        """A refusal or a dry run: one record. Returns '' or why it could not be written."""
        record = {**self._base(action, uuid.uuid4().hex, shown), "phase": phase, "at": now_iso()}
        try:
            await self.audit.write({**record, **fields})
        except AuditError as exc:
            return f"; audit record failed: {exc}"
        return ""

    async def _stopped(self, action: Action, stop: ActionStop, preview: Preview | None) -> Result:
        status = "refused" if isinstance(stop, Refused) else "failed"
        phase = "refused" if status == "refused" else "aborted"
        message = _line(stop)
        note = await self._single(action, phase, preview, reason=stop.reason, message=message)
        return Result(status, message + note, stop.reason, preview)

    # --- the sequence ---
    async def _lease(self, action: Action) -> LeaseGuard | None:
        kube = self.env.kube
        if not action.leased or kube is None:
            return None
        t = action.target
        namespace = t.namespace or self.env.config.kubernetes.namespaces[0]
        return LeaseGuard(kube, namespace, lease_name(t.kind, t.name), self.env.operator.holder)

    async def _rbac(self, action: Action, guard: LeaseGuard | None) -> None:
        """The action's own verbs on its target, and taking the Lease that guards it."""
        t = action.target
        asks = [(perm, t.namespace, t.name) for perm in action.permissions()]
        if guard is not None:
            asks.append(
                (Permission("create", "coordination.k8s.io", "leases"), guard.namespace, "")
            )
        for perm, namespace, name in asks:
            kube = self.env.require_kube()
            try:
                allowed, _ = await asyncio.to_thread(
                    kube.may, perm.verb, perm.group, perm.resource, namespace, name, perm.sub
                )
            except Exception as exc:
                raise ActionFailed(f"RBAC pre-check failed: {_line(exc)}") from None
            if not allowed:
                who = self.env.operator.kube_user or "this identity"
                raise Refused("rbac", f"RBAC denies {perm.describe(namespace, name)} to {who}")

    async def prepare(self, action: Action, *, dry_run: bool = False) -> Plan | Result:
        """Everything up to the confirmation; a Result when it stops there (audited). A dry
        run writes nothing, so read-only mode allows it."""
        try:
            if self.read_only and not dry_run:
                raise Refused("read-only", f"read-only mode: {action.title} refused")
            guard = await self._lease(action)
            await self._rbac(action, guard)
            await action.check(self.env)
            if guard is not None:
                try:
                    holder = await asyncio.to_thread(guard.other_holder)
                except Exception as exc:
                    raise ActionFailed(f"cannot read the Lease: {_line(exc)}") from None
                if holder is not None:
                    raise Refused("lease", holder.describe())
            preview = await action.preview(self.env)
        except ActionStop as stop:
            return await self._stopped(action, stop, None)
        lease = (
            f"Lease {guard.namespace}/{guard.name}" if guard else "no Lease (not a cluster object)"
        )
        return Plan(action, preview, self.env.context, lease)

    async def dry_run(self, action: Action) -> Result:
        """Preview only: the server dry-run, the SQL or the request. Writes one audit record."""
        prepared = await self.prepare(action, dry_run=True)
        if isinstance(prepared, Result):
            return prepared
        preview = prepared.preview
        note = await self._single(action, "dry-run", preview, preview=preview.detail)
        return Result("dry-run", f"dry run: {preview.summary}{note}", preview=preview)

    async def run(
        self, plan: Plan, *, confirmed: bool, typed: str = "", progress: Progress | None = None
    ) -> Result:
        """`typed` is what the operator typed to confirm, when the preview asks for a name."""
        action, preview = plan.action, plan.preview
        say = progress or (lambda _: None)
        if not confirmed:
            return await self._stopped(
                action, Refused("declined", "declined at confirmation"), preview
            )
        if preview.confirm_with and preview.confirm_with not in typed:
            unnamed = Refused("declined", f"not confirmed by naming {preview.confirm_with}, "
                              "which would revert it")  # fmt: skip
            return await self._stopped(action, unnamed, preview)
        try:
            now = await action.current_version(self.env)
        except ActionStop as stop:
            return await self._stopped(action, stop, preview)
        if now != preview.version:
            changed = Refused("target-changed", f"{action.target.label} changed since the preview; "
                           "look again and retry")  # fmt: skip
            return await self._stopped(action, changed, preview)

        base = self._base(action, uuid.uuid4().hex, preview)
        try:
            await self.audit.write(
                {**base, "phase": "start", "at": now_iso(), "preview": preview.detail}
            )
        except AuditError as exc:
            return Result("failed", f"nothing done: audit start record failed: {exc}", "audit")
        started = time.monotonic()
        guard = await self._lease(action)
        done = ""
        steps: list[str] = []
        try:
            if guard is not None:
                try:
                    holder = await asyncio.to_thread(guard.acquire)
                except KubeCallError as exc:
                    raise ActionFailed(f"cannot take the Lease: {exc}") from None
                if holder is not None:
                    raise Refused("lease", holder.describe())
            done = await action.execute(self.env, preview)
            steps.append(done)
            say(done)

            def note(line: str) -> None:
                steps.append(line)
                say(line)

            verified = await action.verify(self.env, note)
            result = Result("done", f"{done}; verified: {verified}", preview=preview)
            end: dict[str, Any] = {"outcome": "ok", "result": done, "verification": verified}
        except ActionStop as stop:
            status = "refused" if isinstance(stop, Refused) else "failed"
            what = f"{done}; verification failed: " if done else ""
            result = Result(status, what + _line(stop), stop.reason, preview, tuple(steps))
            end = {"outcome": status, "reason": stop.reason, "result": done,
                   "error": _line(stop)}  # fmt: skip
        except asyncio.CancelledError:
            await self._end(base, started, {"outcome": "interrupted", "result": done})
            raise
        except Exception as exc:  # an unexpected bug must still leave its end record
            result = Result("failed", f"{type(exc).__name__}: {_line(exc)}", "error", preview)
            end = {"outcome": "failed", "reason": "error", "result": done, "error": _line(exc)}
        finally:
            if guard is not None:
                await asyncio.to_thread(guard.release)
        failure = await self._end(base, started, end)
        if failure:
            head = done or result.message
            return Result(result.status, f"{head}; audit end record failed: {failure}",
                          "audit", preview, tuple(steps))  # fmt: skip
        return Result(result.status, result.message, result.reason, preview, tuple(steps))

    async def _end(self, base: dict[str, Any], started: float, fields: dict[str, Any]) -> str:
        record = {**base, "phase": "end", "at": now_iso(), **fields,
                  "duration_s": round(time.monotonic() - started, 3)}  # fmt: skip
        try:
            await self.audit.write(record)
        except AuditError as exc:
            return str(exc)
        return ""

    async def act(self, action: Action, *, confirmed: bool, typed: str = "",
                  progress: Progress | None = None) -> Result:  # fmt: skip
        prepared = await self.prepare(action)
        if isinstance(prepared, Result):
            return prepared
        return await self.run(prepared, confirmed=confirmed, typed=typed, progress=progress)
