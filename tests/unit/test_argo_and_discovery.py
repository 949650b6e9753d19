"""Argo CD Applications and API discovery documents, parsed from their documented shapes."""

from __future__ import annotations

from typing import Any

from oc_console.sources.kube.argo import parse_application
from oc_console.sources.kube.discovery import parse_group_list
from oc_console.sources.kube.workload import argocd_app, owner_refs

Obj = dict[str, Any]


def app(sync_policy: Obj | None, **spec: Any) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "adapters", "namespace": "argocd"},
        "spec": {
            "project": "openclaw",
            **({"syncPolicy": sync_policy} if sync_policy else {}),
            **spec,
        },
        "status": {
            "sync": {"status": "OutOfSync", "revision": "9f1c2e7"},
            "health": {"status": "Degraded"},
            "resources": [
                {"group": "apps", "kind": "Deployment", "namespace": "openclaw", "name": "a"}
            ],
        },
    }


def test_auto_sync_prune_and_self_heal() -> None:
    parsed = parse_application(
        app({"automated": {"prune": True}}, source={"repoURL": "r", "path": "p"})
    )
    assert (parsed.auto_sync, parsed.prune, parsed.self_heal) == (True, True, False)
    assert (parsed.sync_status, parsed.health, parsed.sync_revision) == (
        "OutOfSync",
        "Degraded",
        "9f1c2e7",
    )
    assert parsed.chart == "p" and parsed.manages("Deployment", "openclaw", "a")


def test_automated_can_be_switched_off_and_is_off_when_absent() -> None:
    off = parse_application(app({"automated": {"enabled": False, "prune": True}}))
    assert (off.auto_sync, off.prune) == (False, False)
    assert not parse_application(app(None)).auto_sync
    assert parse_application(app({"automated": {}})).auto_sync  # `automated: {}` turns it on


def test_multi_source_apps_name_the_first_chart() -> None:
    parsed = parse_application(
        app(None, sources=[{"repoURL": "https://charts", "chart": "c", "targetRevision": "1.2"}])
    )
    assert (parsed.repo, parsed.chart, parsed.target_revision) == ("https://charts", "c", "1.2")


def test_group_list_keeps_every_served_version() -> None:
    doc = {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": "connectors.openclaw.io",
                "versions": [
                    {"groupVersion": "connectors.openclaw.io/v1beta1", "version": "v1beta1"},
                    {"groupVersion": "connectors.openclaw.io/v1alpha1", "version": "v1alpha1"},
                ],
                "preferredVersion": {"version": "v1beta1"},
            },
            {"versions": []},  # nameless: skipped
        ],
    }
    (group,) = parse_group_list(doc)
    assert (group.versions, group.preferred) == (("v1beta1", "v1alpha1"), "v1beta1")
    assert parse_group_list("not a document") == ()


def test_owner_annotations() -> None:
    assert argocd_app("adapters:apps/Deployment:openclaw/a") == "adapters"
    assert argocd_app("team-ns_adapters:apps/Deployment:openclaw/a") == "adapters"
    assert owner_refs({"labels": {"app": "x"}}) is None
    refs = owner_refs(
        {"annotations": {"meta.helm.sh/release-name": "r", "meta.helm.sh/release-namespace": "n"},
         "labels": {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "r"}}
    )  # fmt: skip
    assert refs is not None and (refs.helm_release, refs.helm_namespace, refs.managed_by) == (
        "r",
        "n",
        "Helm",
    )
