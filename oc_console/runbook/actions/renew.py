"""renew a certificate, cmctl's way: set the condition `Issuing=True, reason ManuallyTriggered`
through the Certificate's status subresource; cert-manager then issues a new certificate.
Verified when status.notAfter moves and Ready is True again."""

from __future__ import annotations

import asyncio
import copy
import time
from datetime import UTC, datetime
from typing import Any

from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Permission,
    Preview,
    Progress,
    Refused,
    yaml_diff,
)

GROUP = "cert-manager.io"
MESSAGE = "Certificate re-issuance manually triggered"


def _condition(cert: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in (cert.get("status") or {}).get("conditions") or ():
        if cond.get("type") == kind:
            found: dict[str, Any] = cond
            return found
    return None


def triggered(cert: dict[str, Any]) -> dict[str, Any]:
    """The certificate with cmctl's Issuing condition set (other conditions kept)."""
    new = copy.deepcopy(cert)
    status = new.setdefault("status", {})
    conds = [c for c in status.get("conditions") or () if c.get("type") != "Issuing"]
    conds.append(
        {
            "type": "Issuing",
            "status": "True",
            "reason": "ManuallyTriggered",
            "message": MESSAGE,
            "lastTransitionTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "observedGeneration": new["metadata"].get("generation", 1),
        }
    )
    status["conditions"] = conds
    return new


class Renew(Action):
    kind = "renew"
    title = "renew certificate"
    _old_not_after: str | None = None

    def permissions(self) -> tuple[Permission, ...]:
        return (Permission("update", GROUP, "certificates", "status"),)

    def _path(self) -> str:
        t = self.target
        return f"/apis/cert-manager.io/v1/namespaces/{t.namespace}/certificates/{t.name}"

    async def _get(self, env: ActionEnv) -> dict[str, Any]:
        cert: dict[str, Any] = await env.kcall(
            "GET", self._path(), verb="get", resource="certificates.cert-manager.io",
            namespace=self.target.namespace,
        )  # fmt: skip
        return cert

    async def _put(self, env: ActionEnv, cert: dict[str, Any], dry: bool) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "PUT", self._path() + "/status", body=cert, query={"dryRun": "All"} if dry else None,
            verb="update", resource="certificates.cert-manager.io/status",
            namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    async def check(self, env: ActionEnv) -> None:
        issuing = _condition(await self._get(env), "Issuing")
        if issuing and issuing.get("status") == "True":
            raise Refused(
                "precondition",
                f"certificate {self.target.namespace}/{self.target.name} is already being issued",
            )

    async def current_version(self, env: ActionEnv) -> str:
        return str((await self._get(env))["metadata"]["resourceVersion"])

    async def preview(self, env: ActionEnv) -> Preview:
        live = await self._get(env)
        self._old_not_after = (live.get("status") or {}).get("notAfter")
        merged = await self._put(env, triggered(live), dry=True)
        name = f"{self.target.namespace}/{self.target.name}"
        return Preview(
            summary=f"re-issue certificate {name} (notAfter now {self._old_not_after or 'none'})",
            detail=yaml_diff(live.get("status") or {}, merged.get("status") or {}, name),
            version=str(live["metadata"]["resourceVersion"]),
            facts={"not_after": self._old_not_after or ""},
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        live = await self._get(env)
        if live["metadata"]["resourceVersion"] != preview.version:
            raise Refused("target-changed", "the certificate changed since the preview")
        # the PUT carries that resourceVersion: a change in between is a 409 from the server
        await self._put(env, triggered(live), dry=False)
        return f"certificate {self.target.name} marked for manual renewal"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        deadline = time.monotonic() + env.rollout_timeout
        progress("waiting for cert-manager to issue a new certificate...")
        while True:
            cert = await self._get(env)
            not_after = (cert.get("status") or {}).get("notAfter")
            ready = _condition(cert, "Ready")
            issuing = _condition(cert, "Issuing")
            if (
                not_after
                and not_after != self._old_not_after
                and ready is not None
                and ready.get("status") == "True"
                and not (issuing and issuing.get("status") == "True")
            ):
                return f"new certificate: notAfter {self._old_not_after or 'none'} -> {not_after}"
            if issuing and issuing.get("status") == "False" and issuing.get("reason") == "Failed":
                raise ActionFailed(f"issuance failed: {issuing.get('message') or 'no reason'}")
            if time.monotonic() >= deadline:
                raise ActionFailed(f"no new certificate after {env.rollout_timeout:g}s")
            await asyncio.sleep(env.poll_interval)
