"""The action engine: the one sequence every action goes through, whether a key in the UI,
a runbook step or `oc-console runbook run` started it, so none can skip a step.

    prepare:  read-only refusal -> scope (a target's namespace is one the console is pointed
              at: -n, kubernetes.namespaces) -> RBAC pre-check (SelfSubjectAccessReview for
              the exact verb, resource and namespace, and for creating the Lease) -> the
              action's own check -> Lease peek -> preview; the Plan is issued by this engine
    run:      the plan is one this engine issued and that has not run -> read-only -> scope
              -> confirmation (only `confirmed is True`, and the exact typed name when the
              preview asks for one: an auto-syncing Argo CD app's, a production target's)
              -> take the Lease (a lock file on a VM)
              -> re-check the target's version -> audit start (on disk, fsync'd) -> execute
              -> verify -> audit end -> the Event on the target (kube_event.py) -> give the
              Lease back

Every refusal (a plan not issued here or already run, read-only, scope, RBAC, Lease held,
target changed, declined) is one audit record and nothing else is written. The Lease is given
back only after the last record of the run (the refusal or the end) is on disk, so no other
console can act while this one is still verifying or writing. Audit writes run in a thread,
never on the UI loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from oc_console.runbook.action_lease import Guard, give_back, guard_for, peek, take
from oc_console.runbook.action_steps import finish, first_line
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    ActionStop,
    Permission,
    Preview,
    Progress,
    Refused,
    Target,
)
from oc_console.runbook.audit import AuditError, AuditLog, now_iso
from oc_console.runbook.kube_event import write_event
from oc_console.runbook.lease import LeaseGuard
from oc_console.runbook.where import Where, confirmation, guarded, where_of

OPEN_PLANS = 256  # plans prepared and never run (a closed modal): the oldest are forgotten


@dataclass(frozen=True)
class Plan:
    action: Action
    preview: Preview
    context: str
    lease: str  # what guards the target, for the confirmation
    id: str = ""  # set by the engine that issued it; run() accepts nothing else
    where: Where | None = None  # the target's name, context and server

    @property
    def confirmation(self) -> str:
        """Names the object, the namespace and the target (its context and server)."""
        t = self.action.target
        scope = "compose project" if t.kind == "service" else "namespace"
        where = f" in {scope} {t.namespace}" if t.namespace else ""
        # `replay order 114-…`, not `replay order order/114-…`: a title that names the kind
        # is followed by the name alone
        what = t.name if f" {self.action.title}".endswith(f" {t.kind}") else t.label
        on = self.where.label if self.where else f"context {self.context}"
        return f"{self.action.title} {what}{where} on {on}?"


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


class Engine:
    def __init__(self, env: ActionEnv, audit: AuditLog, *, read_only: bool) -> None:
        self.env, self.audit, self.read_only = env, audit, read_only
        # plans this engine issued and that have not run: the plan object itself, and the
        # target and parameters it was previewed with (an action is a mutable object)
        self._issued: dict[str, tuple[Plan, Target, dict[str, Any]]] = {}
        self._spent: set[str] = set()

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
            "holder": op.lease_holder,
            "context": self.env.context,
            "cluster": where_of(self.env).to_json(),  # which target: name, context, server
            "action": action.kind,
            "target": target,
            "params": {k: v for k, v in action.params.items() if not k.startswith("_")},
            **({"runbook": action.params["_runbook"]} if action.params.get("_runbook") else {}),
        }

    async def _single(
        self, action: Action, phase: str, shown: Preview | None, **fields: Any
    ) -> str:
        """A refusal or a dry run: one record. Returns '' or why it could not be written."""
        record = {**self._base(action, uuid.uuid4().hex, shown), "phase": phase, "at": now_iso()}
        try:
            await finish(self.audit.write({**record, **fields}))
        except AuditError as exc:
            return f"; audit record failed: {exc}"
        return ""

    async def _stopped(self, action: Action, stop: ActionStop, preview: Preview | None) -> Result:
        status = "refused" if isinstance(stop, Refused) else "failed"
        phase = "refused" if status == "refused" else "aborted"
        message = first_line(stop)
        note = await self._single(action, phase, preview, reason=stop.reason, message=message)
        return Result(status, message + note, stop.reason, preview)

    # --- the guarantees ---
    def _allowed(self, action: Action, *, dry_run: bool = False) -> None:
        """Read-only, then scope: checked in prepare() and again in run()."""
        if self.read_only and not dry_run:
            raise Refused("read-only", f"read-only mode: {action.title} refused")
        namespace = action.target.namespace
        scope = self.env.config.kubernetes.namespaces
        if namespace and namespace not in scope:
            allow = ",".join((*scope, namespace))
            word = "compose project" if action.target.kind == "service" else "namespace"
            raise Refused(
                "scope",
                f"{word} {namespace} is outside this console's scope "
                f"({', '.join(scope) or 'no namespace'}); add it with -n {allow} "
                "or kubernetes.namespaces",
            )

    def _guard(self, action: Action) -> Guard | None:
        # on a VM the lock file is in the state directory, beside the audit log
        return guard_for(action, self.env, self.audit.path.parent / "locks")

    async def _rbac(self, action: Action, guard: Guard | None) -> None:
        """The action's own verbs on its target, and taking the Lease that guards it."""
        t = action.target
        asks = [(perm, t.namespace, t.name) for perm in action.permissions()]
        if isinstance(guard, LeaseGuard):
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
                raise ActionFailed(f"RBAC pre-check failed: {first_line(exc)}") from None
            if not allowed:
                who = self.env.operator.kube_user or "this identity"
                raise Refused("rbac", f"RBAC denies {perm.describe(namespace, name)} to {who}")

    def _issue(self, plan: Plan) -> None:
        while len(self._issued) >= OPEN_PLANS:
            del self._issued[next(iter(self._issued))]
        action = plan.action
        self._issued[plan.id] = (plan, action.target, dict(action.params))

    def _redeem(self, plan: Plan) -> None:
        """The plan is one this engine issued, unchanged, and runs once."""
        ident = getattr(plan, "id", "")
        entry = self._issued.get(ident)
        if entry is None or entry[0] is not plan:
            if ident in self._spent:
                raise Refused("plan", "this plan has already run; prepare the action again")
            raise Refused("plan", "this plan was not prepared by this console; prepare it again")
        del self._issued[ident]
        self._spent.add(ident)
        if (plan.action.target, plan.action.params) != entry[1:]:
            raise Refused("plan", "the action changed after its preview; prepare it again")

    # --- the sequence ---
    async def prepare(self, action: Action, *, dry_run: bool = False) -> Plan | Result:
        """Everything up to the confirmation; a Result when it stops there (audited). A dry
        run writes nothing, so read-only mode allows it; its plan cannot be run."""
        try:
            self._allowed(action, dry_run=dry_run)
            guard = self._guard(action)
            await self._rbac(action, guard)
            await action.check(self.env)
            await peek(guard, self.env.context)
            where = where_of(self.env)
            preview = guarded(await action.preview(self.env), where)
        except ActionStop as stop:
            return await self._stopped(action, stop, None)
        lease = guard.label if guard else "no Lease (not a cluster object)"
        plan = Plan(action, preview, self.env.context, lease, uuid.uuid4().hex, where)
        if not dry_run:
            self._issue(plan)
        return plan

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
        try:
            self._redeem(plan)
            self._allowed(action)
            confirmation(preview, confirmed, typed)
            guard = self._guard(action)
        except ActionStop as stop:
            return await self._stopped(action, stop, preview)
        try:
            try:
                await take(guard, self.env.context)
                await self._recheck(action, preview)
            except ActionStop as stop:
                return await self._stopped(action, stop, preview)
            return await self._act(action, preview, progress or (lambda _: None))
        finally:
            # after the refusal or the end record is on disk
            await give_back(guard, self.env.context)

    async def _recheck(self, action: Action, preview: Preview) -> None:
        now = await action.current_version(self.env)
        if now != preview.version:
            raise Refused("target-changed", f"{action.target.label} changed since the preview; "
                          "look again and retry")  # fmt: skip

    async def _act(self, action: Action, preview: Preview, say: Progress) -> Result:
        """Audit start, execute, verify, audit end: an end record whatever happens."""
        base = self._base(action, uuid.uuid4().hex, preview)
        started = time.monotonic()
        start = {**base, "phase": "start", "at": now_iso(), "preview": preview.detail}
        try:
            await finish(self.audit.write(start))
        except AuditError as exc:
            return Result("failed", f"nothing done: audit start record failed: {exc}", "audit")
        except asyncio.CancelledError:
            why = "interrupted before execute: nothing done"
            await finish(self._end(base, started, {"outcome": "interrupted", "error": why}))
            raise
        done = ""
        steps: list[str] = []

        def note(line: str) -> None:
            steps.append(line)
            say(line)

        try:
            done = await action.execute(self.env, preview)
            note(done)
            verified = await action.verify(self.env, note)
            result = Result("done", f"{done}; verified: {verified}", preview=preview)
            end: dict[str, Any] = {"outcome": "ok", "result": done, "verification": verified}
        except ActionStop as stop:
            status = "refused" if isinstance(stop, Refused) else "failed"
            what = f"{done}; verification failed: " if done else ""
            result = Result(status, what + first_line(stop), stop.reason, preview, tuple(steps))
            end = {"outcome": status, "reason": stop.reason, "result": done,
                   "error": first_line(stop)}  # fmt: skip
        except asyncio.CancelledError:
            why = ("interrupted after execute: verify not done" if done else
                   "interrupted during execute: the change may still land")  # fmt: skip
            fields = {"outcome": "interrupted", "result": done, "error": why}
            await finish(self._end(base, started, fields))
            raise
        except Exception as exc:  # an unexpected bug must still leave its end record
            result = Result("failed", f"{type(exc).__name__}: {first_line(exc)}", "error", preview)
            end = {"outcome": "failed", "reason": "error", "result": done, "error": first_line(exc)}
        failure = await finish(self._end(base, started, end))
        await finish(self._mark(action, base, end))
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

    async def _mark(self, action: Action, base: dict[str, Any], end: dict[str, Any]) -> None:
        """The Event on the target, after the end record; its failure is audited, never the
        action's outcome."""
        why = await write_event(action, self.env, end)
        if not why:
            return
        record = {**base, "phase": "event", "at": now_iso(), "error": f"event not written: {why}"}
        with contextlib.suppress(AuditError):
            await self.audit.write(record)

    async def act(self, action: Action, *, confirmed: bool, typed: str = "",
                  progress: Progress | None = None) -> Result:  # fmt: skip
        prepared = await self.prepare(action)
        if isinstance(prepared, Result):
            return prepared
        return await self.run(prepared, confirmed=confirmed, typed=typed, progress=progress)
