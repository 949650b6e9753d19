"""rollout undo, kubectl's algorithm: find the ReplicaSet of the previous revision (or of
--to-revision) among those the Deployment owns, copy its pod template without the
pod-template-hash label, carry its annotations over, and send one JSON patch. The patch starts
with a `test` of the resourceVersion seen in the preview, so a changed Deployment is refused by
the server itself."""

from __future__ import annotations

import copy
from typing import Any

from oc_console.analysis.ownership import last_good_revision, rollback_ownership
from oc_console.domain.releases import RollbackOwnership
from oc_console.runbook.actions import rollout
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Permission,
    Preview,
    Progress,
    Refused,
    without_noise,
    yaml_diff,
)
from oc_console.runbook.kubeapi import JSON_PATCH

REVISION = "deployment.kubernetes.io/revision"
LAST_GOOD = "last-good"  # to_revision: what the last good Helm release rendered
HASH_LABEL = "pod-template-hash"
# kubectl's annotationsToSkip: never copied from a ReplicaSet back onto the Deployment
SKIPPED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)


def _revision(obj: dict[str, Any]) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    t = copy.deepcopy(template)
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return t


def choose(d: dict[str, Any], sets: list[dict[str, Any]], to_revision: int) -> dict[str, Any]:
    """The ReplicaSet to roll back to, or Refused with kubectl's words."""
    uid = d["metadata"]["uid"]
    owned = [
        rs
        for rs in sets
        if any(o.get("uid") == uid for o in (rs["metadata"].get("ownerReferences") or ()))
    ]
    by_rev = {_revision(rs): rs for rs in owned if _revision(rs) > 0}
    name = d["metadata"]["name"]
    if to_revision:
        if to_revision not in by_rev:
            raise Refused("precondition", f"unable to find specified revision {to_revision} "
                          f"in history of deployment {name}")  # fmt: skip
        return by_rev[to_revision]
    revisions = sorted(by_rev)
    if len(revisions) < 2:
        raise Refused("precondition", f"no previous revision of deployment {name} to roll back to")
    return by_rev[revisions[-2]]


def undo_patch(d: dict[str, Any], rs: dict[str, Any]) -> list[dict[str, Any]]:
    annotations = {
        k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in SKIPPED
    }
    for k, v in (rs["metadata"].get("annotations") or {}).items():
        if k not in SKIPPED:
            annotations[k] = v
    version = d["metadata"]["resourceVersion"]
    return [
        {"op": "test", "path": "/metadata/resourceVersion", "value": version},
        {"op": "replace", "path": "/spec/template", "value": _without_hash(rs["spec"]["template"])},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]  # fmt: skip


class Undo(Action):
    kind = "undo"
    title = "rollout undo"
    _ops: list[dict[str, Any]] | None = None

    def permissions(self) -> tuple[Permission, ...]:
        return (*rollout.patch_deployments(), Permission("list", "apps", "replicasets"))

    async def _plan(self, env: ActionEnv) -> tuple[dict[str, Any], dict[str, Any]]:
        d = await rollout.get_deployment(env, self.target)
        selector = ",".join(
            f"{k}={v}" for k, v in sorted((d["spec"]["selector"].get("matchLabels") or {}).items())
        )
        listed = await env.kcall(
            "GET", f"/apis/apps/v1/namespaces/{self.target.namespace}/replicasets",
            query={"labelSelector": selector}, verb="list", resource="replicasets.apps",
            namespace=self.target.namespace,
        )  # fmt: skip
        rs = choose(d, list(listed.get("items") or ()), self._to_revision(env))
        if _without_hash(rs["spec"]["template"]) == _without_hash(d["spec"]["template"]):
            raise Refused(
                "precondition",
                f"skipped rollback: the current template already matches revision {_revision(rs)}",
            )
        return d, rs

    def _to_revision(self, env: ActionEnv) -> int:
        """`--to-revision N`; `last-good`: the revision Helm's last good release rendered
        (kubectl's previous revision when the release history does not say)."""
        wanted = str(self.params.get("to_revision") or "")
        if wanted != LAST_GOOD:
            return int(wanted or 0)
        fleet = env.fleet()
        key = f"{self.target.namespace}/{self.target.name}"
        adapter = next((a for a in fleet.adapters if a.key == key), None) if fleet else None
        good = last_good_revision(fleet, adapter) if fleet and adapter else None
        return good.revision if good else 0

    async def check(self, env: ActionEnv) -> None:
        await self._plan(env)

    async def current_version(self, env: ActionEnv) -> str:
        d = await rollout.get_deployment(env, self.target)
        return str(d["metadata"]["resourceVersion"])

    async def _send(self, env: ActionEnv, ops: list[dict[str, Any]], dry: bool) -> dict[str, Any]:
        obj: dict[str, Any] = await env.kcall(
            "PATCH", rollout.deployment_path(self.target), body=ops, content_type=JSON_PATCH,
            query={"dryRun": "All"} if dry else None, verb="patch",
            resource="deployments.apps", namespace=self.target.namespace,
        )  # fmt: skip
        return obj

    def _ownership(self, env: ActionEnv, to_revision: int) -> RollbackOwnership | None:
        fleet = env.fleet()
        key = f"{self.target.namespace}/{self.target.name}"
        adapter = next((a for a in fleet.adapters if a.key == key), None) if fleet else None
        if fleet is None or adapter is None:
            return None
        return rollback_ownership(fleet, adapter, to_revision)

    async def preview(self, env: ActionEnv) -> Preview:
        d, rs = await self._plan(env)
        self._ops = undo_patch(d, rs)
        merged = await self._send(env, self._ops, dry=True)
        name = f"{self.target.namespace}/{self.target.name}"
        facts = {"to_revision": str(_revision(rs))}
        owner = self._ownership(env, _revision(rs))
        notes = ["owner: not known (the console has not read this Deployment's owners)"]
        if owner is not None:
            facts.update({k: str(v) for k, v in owner.audit_fields().items() if v is not None})
            notes = [f"owner: {owner.summary}", *(f"WARNING: {w}" for w in owner.warnings)]
            if owner.helm_command:
                notes.append(f"to make Helm agree afterwards: {owner.helm_command}")
        return Preview(
            summary=f"roll deployment {name} back from revision {_revision(d)} "
            f"to revision {_revision(rs)} (ReplicaSet {rs['metadata']['name']})",
            detail="\n".join([*notes, yaml_diff(without_noise(d), without_noise(merged), name)]),
            version=str(d["metadata"]["resourceVersion"]),
            facts=facts,
            confirm_with=owner.confirm_with if owner else None,
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        assert self._ops is not None, "preview() first"
        try:
            await self._send(env, self._ops, dry=False)
        except ActionFailed as exc:
            if "/metadata/resourceVersion" in str(exc):  # our `test` op: changed since preview
                raise Refused(
                    "target-changed", f"target changed since the preview: {exc}"
                ) from None
            raise
        revision = preview.facts["to_revision"]
        return f"deployment.apps/{self.target.name} rolled back to revision {revision}"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        return await rollout.wait_rolled_out(env, self.target, progress)
