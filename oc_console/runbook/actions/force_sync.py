"""Ask External Secrets to sync an ExternalSecret now: its `force-sync` annotation set to the
current time, as `kubectl annotate es NAME force-sync=$(date +%s) --overwrite` does. The
controller refreshes an ExternalSecret whenever that annotation changes.

Verified when the ExternalSecret is Ready with a refresh at or after the request, and, when the
adapter's Deployment records the fingerprint it expects (`openclaw.io/webhook-secret-sha256`),
when the Secret's key has it: a store still holding the wrong key fails here, before a restart.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from oc_console.domain.external_secrets import FORCE_SYNC
from oc_console.runbook.actions import rollout
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Permission,
    Preview,
    Progress,
    Target,
    without_noise,
    yaml_diff,
)
from oc_console.runbook.kubeapi import MERGE_PATCH
from oc_console.runbook.webhook_key import b64decode, expected, fingerprint
from oc_console.sanitize import clean

GROUP = "external-secrets.io"


class ForceSync(Action):
    kind = "force-sync"
    title = "force-sync externalsecret"
    _stamp: str = ""

    def permissions(self) -> tuple[Permission, ...]:
        return (Permission("patch", GROUP, "externalsecrets"),)

    def _path(self) -> str:
        ns, name = self.target.namespace, self.target.name
        return f"/apis/{GROUP}/v1/namespaces/{ns}/externalsecrets/{name}"

    async def _get(self, env: ActionEnv) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "GET", self._path(), verb="get", resource=f"externalsecrets.{GROUP}",
            namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    def _body(self, version: str = "") -> dict[str, Any]:
        if not self._stamp:
            self._stamp = str(int(time.time()))
        meta: dict[str, Any] = {"annotations": {FORCE_SYNC: self._stamp}}
        if version:
            meta["resourceVersion"] = version
        return {"metadata": meta}

    async def _patch(self, env: ActionEnv, body: dict[str, Any], dry: bool) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "PATCH", self._path(), body=body, content_type=MERGE_PATCH,
            query={"dryRun": "All"} if dry else None, verb="patch",
            resource=f"externalsecrets.{GROUP}", namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    async def current_version(self, env: ActionEnv) -> str:
        return str((await self._get(env))["metadata"]["resourceVersion"])

    async def preview(self, env: ActionEnv) -> Preview:
        live = await self._get(env)
        merged = await self._patch(env, self._body(), dry=True)
        name = f"{self.target.namespace}/{self.target.name}"
        target = ((live.get("spec") or {}).get("target") or {}).get("name") or self.target.name
        return Preview(
            summary=f"ask External Secrets to sync ExternalSecret {name} into Secret {target} now",
            detail=yaml_diff(without_noise(live), without_noise(merged), name),
            version=str(live["metadata"]["resourceVersion"]),
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        await self._patch(env, self._body(preview.version), dry=False)
        return f"externalsecret/{self.target.name} annotated {FORCE_SYNC}={self._stamp}"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        asked = datetime.fromtimestamp(int(self._stamp), UTC)
        deadline = time.monotonic() + env.rollout_timeout
        while True:
            es = await self._get(env)
            status = es.get("status") or {}
            ready: dict[str, Any] = next((c for c in status.get("conditions") or ()
                          if c.get("type") == "Ready"), {})  # fmt: skip
            refreshed = status.get("refreshTime")
            at = datetime.fromisoformat(refreshed) if isinstance(refreshed, str) else None
            if ready.get("status") == "True" and at is not None and at >= asked:
                break
            if time.monotonic() > deadline:
                why = clean(str(ready.get("message") or "no refresh yet"))
                raise ActionFailed(f"not synced after {env.rollout_timeout:g}s: {why}")
            progress(f"waiting for External Secrets: {clean(str(ready.get('reason') or '-'))}")
            await asyncio.sleep(env.poll_interval)
        return await self._key_state(env, es)

    async def _key_state(self, env: ActionEnv, es: dict[str, Any]) -> str:
        target = ((es.get("spec") or {}).get("target") or {}).get("name") or self.target.name
        key, deployment = (
            str(self.params.get("key") or ""),
            str(self.params.get("deployment") or ""),
        )
        if not key or not deployment:
            return f"Secret {target} synced"
        ns = self.target.namespace
        want = expected(await rollout.get_deployment(env, Target("deployment", deployment, ns)))
        secret = await env.kcall("GET", f"/api/v1/namespaces/{ns}/secrets/{target}",
                                 verb="get", resource="secrets", namespace=ns)  # fmt: skip
        raw = (secret.get("data") or {}).get(key)
        now = b64decode(raw) if isinstance(raw, str) else None
        held = fingerprint(now) if now is not None else "missing"
        if want is not None and held != want:
            raise ActionFailed(f"synced, but {key} is {held}, not the {want} the adapter expects: "
                               "the store still holds the wrong key")  # fmt: skip
        return f"Secret {target} synced; {key} is {held}" + (", as expected" if want else "")
