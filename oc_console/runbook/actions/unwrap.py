"""Remove one base64 layer from a key of a plain Secret that a deploy script encoded twice.

The preview names the Secret, the key and both values' fingerprints (the server's dry run of
the same patch must give the new one), never a value. The patch carries the resourceVersion the
preview saw. It is verified by reading the Secret back: the key now has the fingerprint the
adapter's Deployment expects (`openclaw.io/webhook-secret-sha256`), or, when none is recorded,
the one previewed. A Secret an ExternalSecret writes is refused: External Secrets would put the
old value back at its next sync; the fix belongs in the store.
"""

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
    Refused,
    Target,
)
from oc_console.runbook.kubeapi import MERGE_PATCH
from oc_console.runbook.webhook_key import (
    EXPECTED_SHA256,
    b64decode,
    decoded_again,
    expected,
    fingerprint,
)


class UnwrapSecret(Action):
    kind = "unwrap-secret"
    title = "remove a base64 layer from secret"

    def permissions(self) -> tuple[Permission, ...]:
        return (Permission("get", "", "secrets"), Permission("patch", "", "secrets"))

    @property
    def key(self) -> str:
        key = str(self.params.get("key") or "")
        if not key:
            raise ActionFailed("unwrap-secret needs key=NAME (the Secret's key)")
        return key

    def _path(self) -> str:
        return f"/api/v1/namespaces/{self.target.namespace}/secrets/{self.target.name}"

    async def _get(self, env: ActionEnv) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "GET", self._path(), verb="get", resource="secrets", namespace=self.target.namespace
        )
        return obj

    async def _expected(self, env: ActionEnv) -> str | None:
        name = str(self.params.get("deployment") or "")
        if not name:
            return None
        d = await rollout.get_deployment(env, Target("deployment", name, self.target.namespace))
        return expected(d)

    def _layers(self, secret: dict[str, Any]) -> tuple[bytes, bytes]:
        """(the key as the adapter reads it now, the key one layer down)."""
        owners = (secret.get("metadata") or {}).get("ownerReferences") or ()
        writer = next((r.get("name") for r in owners if r.get("kind") == "ExternalSecret"), None)
        if writer:
            why = f"written by ExternalSecret {writer}: fix the key in its store, then force-sync"
            raise Refused("precondition", f"Secret {self.target.name} is {why}")
        raw = (secret.get("data") or {}).get(self.key)
        once = b64decode(raw) if isinstance(raw, str) else None
        if once is None:
            raise Refused("precondition", f"Secret {self.target.name} has no key {self.key}")
        twice = decoded_again(once)
        if twice is None:
            raise Refused("precondition", f"{self.key} in Secret {self.target.name} is not "
                          "base64-encoded twice: nothing to remove")  # fmt: skip
        return once, twice

    async def check(self, env: ActionEnv) -> None:
        _, twice = self._layers(await self._get(env))
        want = await self._expected(env)
        if want is not None and fingerprint(twice) != want:
            raise Refused("precondition", f"one layer down {self.key} would be "
                          f"{fingerprint(twice)}, not the {want} the adapter expects: "
                          "fix it by hand")  # fmt: skip

    async def current_version(self, env: ActionEnv) -> str:
        return str((await self._get(env))["metadata"]["resourceVersion"])

    def _body(self, once: bytes, version: str = "") -> dict[str, Any]:
        # the stored value is base64 of what the adapter reads: one layer down, that is the
        # adapter's current bytes themselves
        body: dict[str, Any] = {"data": {self.key: once.decode()}}
        if version:
            body["metadata"] = {"resourceVersion": version}
        return body

    async def _patch(self, env: ActionEnv, body: dict[str, Any], dry: bool) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "PATCH", self._path(), body=body, content_type=MERGE_PATCH,
            query={"dryRun": "All"} if dry else None, verb="patch", resource="secrets",
            namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    async def preview(self, env: ActionEnv) -> Preview:
        live = await self._get(env)
        once, twice = self._layers(live)
        merged = await self._patch(env, self._body(once), dry=True)
        after = b64decode((merged.get("data") or {}).get(self.key) or "")
        if after is None or fingerprint(after) != fingerprint(twice):
            raise ActionFailed("the server's dry run does not give the key one layer down")
        want = await self._expected(env)
        name = f"{self.target.namespace}/{self.target.name}"
        lines = [
            f"PATCH {self._path()}?dryRun=All (values not shown)",
            f"  Secret {name} key {self.key}",
            f"  now:   {fingerprint(once)}, {len(once)} bytes (base64-encoded twice)",
            f"  after: {fingerprint(twice)}, {len(twice)} bytes",
            f"  expected: {want} ({EXPECTED_SHA256} on deployment {self.params['deployment']})"
            if want else "  expected: none recorded; verified by the fingerprint previewed",
        ]  # fmt: skip
        return Preview(
            summary=f"rewrite key {self.key} of Secret {name} with one base64 layer removed "
            f"({fingerprint(once)} -> {fingerprint(twice)})",
            detail="\n".join(lines),
            version=str(live["metadata"]["resourceVersion"]),
            facts={"key": self.key, "from": fingerprint(once), "to": fingerprint(twice)},
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        once, _ = self._layers(await self._get(env))
        await self._patch(env, self._body(once, preview.version), dry=False)
        return f"secret/{self.target.name} key {self.key} rewritten one layer down"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        raw = ((await self._get(env)).get("data") or {}).get(self.key)
        now = b64decode(raw) if isinstance(raw, str) else None
        held = fingerprint(now) if now is not None else "unreadable"
        want = await self._expected(env)
        if want is not None:
            if held != want:
                raise ActionFailed(f"{self.key} is {held}, not the {want} the adapter expects")
            return f"{self.key} is {held}, the fingerprint the adapter expects"
        if now is None or decoded_again(now) is not None:
            raise ActionFailed(f"{self.key} is {held}: still not encoded once")
        return f"{self.key} is {held}, encoded once (no expected fingerprint recorded)"
