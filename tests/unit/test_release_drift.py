"""Drift, release alarms and rollback ownership on the sandbox's fleet, parsed by the source's
own functions: each case edits the objects as kubectl or helm would and reads the analysis."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from oc_console.analysis.drift import adapter_release
from oc_console.analysis.ownership import rollback_ownership
from oc_console.analysis.release_findings import release_findings
from oc_console.domain.kube import WatchStatus
from oc_console.domain.releases import HELM_KIND, ApiGroup
from oc_console.sandbox.kube.resources import DEPLOYMENT
from tests.unit.releases_fleet import NOW, adapter, sandbox_objects, snapshot

Obj = dict[str, Any]


def deployment(objects: dict[Any, list[Obj]], platform: str) -> Obj:
    name = f"openclaw-adapter-{platform}"
    return next(d for d in objects[DEPLOYMENT] if d["metadata"]["name"] == name)


def main_container(d: Obj) -> Obj:
    return next(c for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "adapter")


def test_drift_is_exactly_a_changed_image_memory_limit_and_added_env_var() -> None:
    objects = sandbox_objects(frozenset())
    c = main_container(deployment(objects, "amazon"))
    c["image"] = "registry.openclaw.io/adapter-amazon:hotfix"
    c["resources"]["limits"]["memory"] = "1Gi"
    c["env"].append({"name": "AMAZON_SP_API_REGION", "value": "eu"})
    snap = snapshot(objects)
    drift = adapter_release(snap, adapter(snap, "amazon")).drift
    assert [(d.what, d.container, d.helm, d.live) for d in drift] == [
        (
            "image",
            "adapter",
            adapter(snapshot(sandbox_objects(frozenset())), "amazon").images[1].image,
            "registry.openclaw.io/adapter-amazon:hotfix",
        ),
        ("limits.memory", "adapter", "512Mi", "1Gi"),
        ("env AMAZON_SP_API_REGION", "adapter", "unset", "set"),
    ]
    # since: when the live template last changed (its newest ReplicaSet)
    assert all(d.since == adapter(snap, "amazon").revisions[0].created for d in drift)
    found = [f for f in release_findings(snap, NOW) if f.id == "release-drift"]
    assert [f.subject for f in found] == [
        "openclaw/openclaw-adapter-amazon",
        "openclaw/openclaw-adapter-walmart",  # the sandbox's hand-raised memory limit
    ]
    assert "limits.memory of adapter: Helm 512Mi, live 1Gi" in found[0].evidence


def test_equal_quantities_written_differently_are_not_drift() -> None:
    objects = sandbox_objects(frozenset())
    c = main_container(deployment(objects, "coupang"))
    c["resources"]["limits"]["memory"] = "805306368"  # 768Mi in bytes
    c["resources"]["requests"]["cpu"] = "0.25"  # 250m
    snap = snapshot(objects)
    assert adapter_release(snap, adapter(snap, "coupang")).drift == ()


def test_replicas_drift_unless_an_autoscaler_owns_them() -> None:
    objects = sandbox_objects(frozenset())
    deployment(objects, "coupang")["spec"]["replicas"] = 5
    deployment(objects, "amazon")["spec"]["replicas"] = 9  # amazon has an HPA
    snap = snapshot(objects)
    drift = adapter_release(snap, adapter(snap, "coupang")).drift
    assert [(d.what, d.helm, d.live) for d in drift] == [("replicas", "2", "5")]
    assert adapter_release(snap, adapter(snap, "amazon")).drift == ()


def test_the_crashloop_scenario_reads_as_a_failed_release_that_was_applied() -> None:
    groups = (
        ApiGroup("apps", ("v1",), "v1"),
        ApiGroup("connectors.openclaw.io", ("v1alpha1",), "v1alpha1"),
        ApiGroup("argoproj.io", ("v1alpha1",), "v1alpha1"),  # not OpenClaw's own
    )
    snap = snapshot(sandbox_objects(), groups=groups)
    found = {(f.id, f.subject): f for f in release_findings(snap, NOW)}
    assert sorted(found) == [
        ("argocd-auto-sync", "openclaw/openclaw-adapter-tiktok"),
        ("crd-v1alpha1", "connectors.openclaw.io"),
        ("release-drift", "openclaw/openclaw-adapter-shopee"),
        ("release-drift", "openclaw/openclaw-adapter-walmart"),
        ("release-failed", "openclaw/openclaw-adapter-shopee"),
    ]
    failed = found[("release-failed", "openclaw/openclaw-adapter-shopee")]
    assert failed.runbook == "adapter-crashloop"
    assert failed.evidence[2].startswith("last deployed: revision 3 deployed")
    drift = found[("release-drift", "openclaw/openclaw-adapter-shopee")]
    assert "live matches failed revision 5: the failed upgrade was applied" in drift.evidence
    assert drift.runbook == "adapter-crashloop"
    assert found[("release-drift", "openclaw/openclaw-adapter-walmart")].runbook is None


def test_one_failed_upgrade_is_already_an_alarm() -> None:
    snap = snapshot(sandbox_objects())
    newest = next(r for r in snap.helm if r.release.endswith("shopee") and r.revision == 5)
    snap = replace(snap, helm=tuple(r for r in snap.helm if r is not newest))
    assert "release-failed" in {f.id for f in release_findings(snap, NOW)}


def test_a_pending_status_is_stuck_after_fifteen_minutes() -> None:
    snap = snapshot(sandbox_objects(frozenset()))
    latest = next(r for r in snap.helm if r.release.endswith("lazada") and r.revision == 3)
    pending = replace(latest, status="pending-upgrade")
    for age, stuck in ((timedelta(minutes=5), False), (timedelta(minutes=16), True)):
        moved = replace(pending, last_deployed=NOW - age)
        helm = tuple(moved if r is latest else r for r in snap.helm)
        ids = {f.id for f in release_findings(replace(snap, helm=helm), NOW)}
        assert ("release-pending-stuck" in ids) is stuck


def test_cannot_see_releases_is_not_no_releases() -> None:
    denied = WatchStatus(
        HELM_KIND, "openclaw", "backoff", 0, None, None,
        "403: cannot list helm release secrets in namespace openclaw",
    )  # fmt: skip
    snap = replace(snapshot(sandbox_objects(frozenset())), helm=(), watches=(denied,))
    findings = release_findings(snap, NOW)
    assert [f.id for f in findings if f.id.startswith("release")] == ["releases-not-visible"]
    rel = adapter_release(snap, adapter(snap, "amazon"))
    assert rel.note == "cannot see Helm releases: " + str(denied.error)
    assert (
        "Cannot see the Helm history"
        in rollback_ownership(snap, adapter(snap, "amazon")).warnings[0]
    )


def test_rollback_of_a_helm_owned_deployment_names_the_revision_and_the_command() -> None:
    snap = snapshot(sandbox_objects(frozenset()))
    owner = rollback_ownership(snap, adapter(snap, "amazon"))
    assert (owner.owner, owner.to_revision, owner.helm_revision) == ("helm", 1, 2)
    assert owner.deployed_helm_revision == 3 and owner.confirm_with is None
    assert owner.helm_command == "helm rollback openclaw-adapter-amazon 2 -n openclaw"
    assert owner.warnings == (
        "A kubectl-level undo drifts from Helm until the next "
        "`helm rollback openclaw-adapter-amazon 2 -n openclaw`: Helm still records revision 3 "
        "as deployed.",
    )
    assert owner.audit_fields()["helm_release"] == "openclaw/openclaw-adapter-amazon"


def test_rollback_after_a_failed_upgrade_returns_to_the_deployed_revision() -> None:
    snap = snapshot(sandbox_objects())
    owner = rollback_ownership(snap, adapter(snap, "shopee"))
    assert (owner.helm_revision, owner.deployed_helm_revision, owner.last_good_helm_revision) == (
        3,
        3,
        3,
    )
    assert "history ends in revision 5" in owner.warnings[0]
    assert "`helm rollback openclaw-adapter-shopee 3 -n openclaw`" in owner.warnings[0]


def test_a_replicaset_no_revision_rendered_was_applied_outside_helm() -> None:
    objects = sandbox_objects(frozenset())
    snap = snapshot(objects)
    amazon = adapter(snap, "amazon")
    previous = replace(amazon.revisions[1], images=("registry.openclaw.io/adapter-amazon:manual",))
    amazon = replace(amazon, revisions=(amazon.revisions[0], previous))
    owner = rollback_ownership(snap, amazon)
    assert owner.helm_revision is None
    assert "applied outside Helm" in owner.warnings[0]
    assert owner.helm_command == "helm rollback openclaw-adapter-amazon 3 -n openclaw"


def test_rollback_of_an_argo_owned_deployment_must_name_the_app() -> None:
    snap = snapshot(sandbox_objects(frozenset()))
    owner = rollback_ownership(snap, adapter(snap, "tiktok"))
    assert owner.owner == "argocd" and owner.auto_sync
    assert owner.argo_app == "argocd/openclaw-adapter-tiktok"
    assert owner.confirm_with == "openclaw-adapter-tiktok"
    assert owner.warnings[0].startswith(
        "Argo CD app openclaw-adapter-tiktok auto-syncs: the undo will be reverted"
    )
    assert owner.audit_fields() == {
        "owner": "argocd",
        "helm_release": None,
        "helm_revision": None,
        "deployed_helm_revision": None,
        "argo_app": "argocd/openclaw-adapter-tiktok",
        "argo_auto_sync": True,
        "confirm_with": "openclaw-adapter-tiktok",
    }


def test_argo_without_auto_sync_warns_but_needs_no_app_name() -> None:
    snap = snapshot(sandbox_objects(frozenset()))
    manual = replace(snap.argo_apps[0], auto_sync=False, prune=False, self_heal=False)
    snap = replace(snap, argo_apps=(manual,))
    owner = rollback_ownership(snap, adapter(snap, "tiktok"))
    assert owner.confirm_with is None and "OutOfSync" in owner.warnings[0]
    assert "argocd-auto-sync" not in {f.id for f in release_findings(snap, NOW)}
