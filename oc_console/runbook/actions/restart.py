"""rollout restart, kubectl's way: a `kubectl.kubernetes.io/restartedAt` annotation on the pod
template. kubectl has no server dry-run for restart, so the preview sends the very same patch
with dryRun=All and diffs the answer against the live object."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oc_console.runbook.actions import rollout
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    Permission,
    Preview,
    Progress,
    Refused,
    without_noise,
    yaml_diff,
)
from oc_console.runbook.kubeapi import STRATEGIC_PATCH

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class Restart(Action):
    kind = "restart"
    title = "rollout restart"
    _body: dict[str, Any] | None = None

    def permissions(self) -> tuple[Permission, ...]:
        return rollout.patch_deployments()

    def _patch(self) -> dict[str, Any]:
        """The same patch for the dry run and the real one (one timestamp)."""
        if self._body is None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._body = {
                "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}
            }
        return self._body

    async def check(self, env: ActionEnv) -> None:
        d = await rollout.get_deployment(env, self.target)
        if (d.get("spec") or {}).get("paused"):
            raise Refused(
                "precondition",
                f"can't restart paused deployment {self.target.name} (run rollout resume first)",
            )

    async def current_version(self, env: ActionEnv) -> str:
        d = await rollout.get_deployment(env, self.target)
        return str(d["metadata"]["resourceVersion"])

    async def _send(self, env: ActionEnv, body: dict[str, Any], dry: bool) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "PATCH", rollout.deployment_path(self.target), body=body,
            content_type=STRATEGIC_PATCH, query={"dryRun": "All"} if dry else None,
            verb="patch", resource="deployments.apps", namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    async def preview(self, env: ActionEnv) -> Preview:
        live = await rollout.get_deployment(env, self.target)
        merged = await self._send(env, self._patch(), dry=True)
        name = f"{self.target.namespace}/{self.target.name}"
        return Preview(
            summary=f"restart every pod of deployment {name} (a new rollout)",
            detail=yaml_diff(without_noise(live), without_noise(merged), name),
            version=str(live["metadata"]["resourceVersion"]),
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        # the resourceVersion makes the patch conditional: a change since the preview is a 409
        body = {**self._patch(), "metadata": {"resourceVersion": preview.version}}
        await self._send(env, body, dry=False)
        return f"deployment.apps/{self.target.name} restarted"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        return await rollout.wait_rolled_out(env, self.target, progress)
