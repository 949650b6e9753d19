"""What the deployment actions share: reading a Deployment, and kubectl's rollout-status rule
(observedGeneration first, then updated, available and ready replicas), polled with progress
and a timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from oc_console.runbook.actions.base import ActionEnv, ActionFailed, Permission, Progress, Target

GROUP = "apps"


def deployment_path(target: Target) -> str:
    return f"/apis/apps/v1/namespaces/{target.namespace}/deployments/{target.name}"


def patch_deployments() -> tuple[Permission, ...]:
    return (Permission("patch", GROUP, "deployments"),)


async def get_deployment(env: ActionEnv, target: Target) -> dict[str, Any]:
    obj: dict[str, Any] = await env.kcall(
        "GET", deployment_path(target), verb="get", resource="deployments.apps",
        namespace=target.namespace,
    )  # fmt: skip
    return obj


def rollout_state(d: dict[str, Any]) -> tuple[bool, str]:
    """(done, message) exactly as `kubectl rollout status` words it."""
    name = d["metadata"]["name"]
    spec, status = d.get("spec") or {}, d.get("status") or {}
    if int(d["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return False, "Waiting for deployment spec update to be observed..."
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            raise ActionFailed(f'deployment "{name}" exceeded its progress deadline')
    want = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas") or 0)
    replicas = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    ready = int(status.get("readyReplicas") or 0)
    if updated < want:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: '
            f"{updated} out of {want} new replicas have been updated..."
        )
    if replicas > updated:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: '
            f"{replicas - updated} old replicas are pending termination..."
        )
    if available < updated or ready < updated:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: '
            f"{min(available, ready)} of {updated} updated replicas are available..."
        )
    return True, f'deployment "{name}" successfully rolled out'


async def wait_rolled_out(env: ActionEnv, target: Target, progress: Progress) -> str:
    deadline = time.monotonic() + env.rollout_timeout
    last = ""
    while True:
        done, message = rollout_state(await get_deployment(env, target))
        if message != last:
            progress(message)
            last = message
        if done:
            return message
        if time.monotonic() >= deadline:
            raise ActionFailed(f"rollout not finished after {env.rollout_timeout:g}s: {message}")
        await asyncio.sleep(env.poll_interval)
