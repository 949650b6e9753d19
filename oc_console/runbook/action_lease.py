"""The Lease an action runs under (a lock file on a VM): which one guards its target, whether
this console or another is already acting on it, taking it and giving it back."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from oc_console.runbook.action_steps import finish, first_line
from oc_console.runbook.actions.base import Action, ActionEnv, ActionFailed, Refused
from oc_console.runbook.kubeapi import KubeCallError
from oc_console.runbook.lease import LeaseGuard, lease_name
from oc_console.runbook.lockfile import LockFileGuard

Guard = LeaseGuard | LockFileGuard  # on a VM, a lock file stands in for the Lease
# The Leases this process holds right now, by (holder, context, namespace, name). The Lease
# counts our own holder string (this process) as ours, so two actions of this process on
# one target, from two screens or two engines, are told apart here.
_ACTING: dict[tuple[str, str, str, str], Guard] = {}


def guard_for(action: Action, env: ActionEnv, locks: Path) -> Guard | None:
    """The Lease that guards the action's target; on a VM, the lock file under `locks` (the
    state directory, beside the audit log). None for an action that takes no Lease."""
    kube, docker = env.kube, env.docker
    if not action.leased or (kube is None and docker is None):
        return None
    t = action.target
    scope = env.config.kubernetes.namespaces
    namespace = t.namespace or (scope[0] if scope else "")
    if not namespace:
        raise Refused("scope", "no namespace configured for the Lease (-n)")
    holder = env.operator.lease_holder
    if kube is None:
        return LockFileGuard(locks, namespace, lease_name(t.kind, t.name), holder)
    return LeaseGuard(kube, namespace, lease_name(t.kind, t.name), holder)


def _key(guard: Guard, context: str) -> tuple[str, str, str, str]:
    return (guard.identity, context, guard.namespace, guard.name)


def _busy(guard: Guard, context: str) -> None:
    if _key(guard, context) in _ACTING:
        raise Refused("lease", f"this console is already acting under {guard.label}; "
                      "wait for it to finish")  # fmt: skip


async def peek(guard: Guard | None, context: str) -> None:
    """Someone else acting on the target stops us before the preview, not at the end."""
    if guard is None:
        return
    _busy(guard, context)
    try:
        holder = await asyncio.to_thread(guard.other_holder)
    except Exception as exc:
        raise ActionFailed(f"cannot read the Lease: {first_line(exc)}") from None
    if holder is not None:
        raise Refused("lease", holder.describe())


async def take(guard: Guard | None, context: str) -> None:
    if guard is None:
        return
    _busy(guard, context)
    _ACTING[_key(guard, context)] = guard
    try:
        holder = await finish(asyncio.to_thread(guard.acquire))
    except KubeCallError as exc:
        raise ActionFailed(f"cannot take the Lease: {exc}") from None
    if holder is not None:
        raise Refused("lease", holder.describe())


async def give_back(guard: Guard | None, context: str) -> None:
    if guard is None:
        return
    key = _key(guard, context)
    try:
        # on failure it expires by itself after its TTL; the action's outcome stands
        with contextlib.suppress(Exception):
            await finish(asyncio.to_thread(guard.release))
    finally:
        if _ACTING.get(key) is guard:
            del _ACTING[key]
