"""scale through the Deployment's scale subresource, as `kubectl scale` does; the preview is
the same request with dryRun=All, and the real one carries the resourceVersion the preview
saw, as `kubectl scale --resource-version` does."""

from __future__ import annotations

from typing import Any

from oc_console.runbook.actions import rollout
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Permission,
    Preview,
    Progress,
)
from oc_console.runbook.kubeapi import MERGE_PATCH

MAX_REPLICAS = 100  # a typo guard: nobody scales an adapter to 1000 pods at 3 a.m.


class Scale(Action):
    kind = "scale"
    title = "scale"

    @property
    def replicas(self) -> int:
        try:
            n = int(self.params["replicas"])
        except (KeyError, TypeError, ValueError):
            raise ActionFailed("scale needs replicas=N (a whole number)") from None
        if not 0 <= n <= MAX_REPLICAS:
            raise ActionFailed(f"replicas must be between 0 and {MAX_REPLICAS}, not {n}")
        return n

    def permissions(self) -> tuple[Permission, ...]:
        return (Permission("patch", "apps", "deployments", "scale"),)

    def _path(self) -> str:
        return rollout.deployment_path(self.target) + "/scale"

    async def _scale(self, env: ActionEnv, dry: bool | None, version: str = "") -> dict[str, Any]:
        kwargs: dict[str, Any] = {"verb": "get"}
        if dry is not None:
            body: dict[str, Any] = {"spec": {"replicas": self.replicas}}
            if version:
                # a precondition: a Deployment changed since the preview is a 409, not
                # silently scaled over (the Scale's resourceVersion is the Deployment's)
                body["metadata"] = {"resourceVersion": version}
            kwargs = {
                "verb": "patch",
                "body": body,
                "content_type": MERGE_PATCH,
                "query": {"dryRun": "All"} if dry else None,
            }
        obj: dict[str, Any] = await env.kcall(
            "PATCH" if dry is not None else "GET", self._path(),
            resource="deployments.apps/scale", namespace=self.target.namespace, **kwargs,
        )  # fmt: skip
        return obj

    async def check(self, env: ActionEnv) -> None:
        _ = self.replicas

    async def current_version(self, env: ActionEnv) -> str:
        d = await rollout.get_deployment(env, self.target)
        return str(d["metadata"]["resourceVersion"])

    async def preview(self, env: ActionEnv) -> Preview:
        d = await rollout.get_deployment(env, self.target)
        live = await self._scale(env, None)
        after = await self._scale(env, True)
        before_n, after_n = live["spec"]["replicas"], after["spec"]["replicas"]
        name = f"{self.target.namespace}/{self.target.name}"
        return Preview(
            summary=f"scale deployment {name} from {before_n} to {after_n} replicas",
            detail=f"PATCH {self._path()}?dryRun=All\n  spec.replicas: {before_n} -> {after_n}",
            version=str(d["metadata"]["resourceVersion"]),
            facts={"from_replicas": str(before_n)},
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        await self._scale(env, False, preview.version)
        return f"deployment.apps/{self.target.name} scaled to {self.replicas}"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        return await rollout.wait_rolled_out(env, self.target, progress)
