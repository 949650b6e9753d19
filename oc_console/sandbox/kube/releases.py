"""Who deployed the sandbox's adapters: Helm release Secrets (encoded exactly as Helm 3
stores them), an Argo CD Application with auto-sync on, and an OpenClaw CRD group still served
at v1alpha1.

Each adapter is its own Helm release with three revisions (install, two upgrades); the first
was written by a Helm that did not gzip releases yet. The `crashloop` scenario adds two failed
upgrades of shopee to chart 2.15.0, whose CRD change left its pods crash-looping (the failed
upgrade's Deployment was applied: that is what runs). Walmart's memory limit was raised by hand
after its chart set 768Mi, so it drifts from Helm. TikTok is deployed by Argo CD instead.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any, Protocol

import yaml

from .resources import APPLICATION, NAMESPACE, SECRET, Resource
from .scenarios import CRASHLOOP_IMAGE
from .scenarios import NAMESPACE as OPENCLAW
from .templates import Workload, pinned, pod_template
from .timefmt import rfc3339

Obj = dict[str, Any]
DAY = 86_400.0
CHART = "openclaw-adapter"
ARGOCD = "argocd"
ARGO_PLATFORM = "tiktok"  # deployed by Argo CD, not by helm
HAND_EDITED = ("walmart", "768Mi")  # (platform, the limit its chart renders)
# (revision, chart and app version, days ago, description); the last is the deployed one
HISTORY = (
    (1, "2.12.0", 120.0, "Install complete"),
    (2, "2.13.9", 30.0, "Upgrade complete"),
    (3, "2.14.3", 3.0, "Upgrade complete"),
)
# What an operator passed with `--set`: Helm keeps it in the release's `config`, which the
# console must never keep or show.
VALUES_PASSWORD = "sandbox-values-pw-3xT9"
FAILED_UPGRADES = ((4, 52 * 60.0), (5, 20 * 60.0))  # (revision, seconds ago)
FAILED_DESCRIPTION = (
    'Upgrade "openclaw-adapter-shopee" failed: context deadline exceeded '
    "(CRD platformconnectors.connectors.openclaw.io: spec.webhookSecretRef removed in v1alpha2)"
)


class FleetLike(Protocol):
    objects: dict[Resource, list[Obj]]

    def add(self, res: Resource, *items: Obj) -> None: ...


def encode_release(release: Obj, *, compress: bool = True) -> str:
    """Helm's encodeRelease: JSON, gzip (best compression), standard base64. Releases written
    before Helm compressed them skip the gzip."""
    raw = json.dumps(release, separators=(",", ":")).encode()
    if compress:
        raw = gzip.compress(raw, compresslevel=9)
    return base64.b64encode(raw).decode()


def release_secret(release: Obj, *, compress: bool = True, resource_version: str = "") -> Obj:
    """The Secret Helm's storage driver writes, with `data` base64 encoded as the API does."""
    name, revision = release["name"], release["version"]
    status = release["info"]["status"]
    payload = encode_release(release, compress=compress)
    meta: Obj = {
        "name": f"sh.helm.release.v1.{name}.v{revision}",
        "namespace": release["namespace"],
        "labels": {
            "name": name,
            "owner": "helm",
            "status": status,
            "version": str(revision),
        },
        "creationTimestamp": release["info"]["last_deployed"],
    }
    if resource_version:
        meta["resourceVersion"] = resource_version
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": meta,
        "data": {"release": base64.b64encode(payload.encode()).decode()},
    }


def _rendered_deployment(w: Workload, image: str, memory: str) -> Obj:
    template = pod_template(w, image)
    for c in template["spec"]["containers"]:
        if c["name"] == w.component:
            c["resources"]["limits"]["memory"] = memory
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": w.name,
            "labels": {"app": w.app, "app.kubernetes.io/managed-by": "Helm"},
        },
        "spec": {
            "replicas": w.replicas,
            "selector": {"matchLabels": {"app": w.app}},
            "template": template,
        },
    }


def manifest(w: Workload, image: str, memory: str) -> str:
    """The rendered manifest as Helm records it: documents with their template source."""
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": w.name, "labels": {"app": w.app}},
        "spec": {"selector": {"app": w.app}, "ports": [{"port": 8080, "name": "http"}]},
    }
    docs = (("service.yaml", service), ("deployment.yaml", _rendered_deployment(w, image, memory)))
    return "".join(
        f"---\n# Source: {CHART}/templates/{src}\n{yaml.safe_dump(doc, sort_keys=False)}"
        for src, doc in docs
    )


def release(
    w: Workload,
    revision: int,
    version: str,
    status: str,
    deployed: float,
    description: str,
    image: str,
    memory: str,
) -> Obj:
    """A Helm 3 release object (helm.sh/helm/v3/pkg/release.Release) as JSON."""
    rendered = manifest(w, image, memory)
    return {
        "name": w.name,
        "info": {
            "first_deployed": rfc3339(deployed if revision == 1 else deployed - 1),
            "last_deployed": rfc3339(deployed),
            "deleted": "",
            "description": description,
            "status": status,
            "notes": f"{w.name} {version} is syncing {w.platform} orders.",
        },
        "chart": {
            "metadata": {
                "name": CHART,
                "version": version,
                "description": "An OpenClaw marketplace adapter",
                "apiVersion": "v2",
                "appVersion": version,
                "type": "application",
            },
            "lock": None,
            # Helm keeps the chart's template sources; the rendered text stands in for them.
            "templates": [
                {
                    "name": "templates/deployment.yaml",
                    "data": base64.b64encode(rendered.encode()).decode(),
                }
            ],
            "values": {"image": {"tag": version}, "resources": {"limits": {"memory": memory}}},
            "schema": None,
            "files": [],
        },
        "config": {"platform": w.platform, "database": {"password": VALUES_PASSWORD}},
        "manifest": rendered,
        "hooks": [],
        "version": revision,
        "namespace": OPENCLAW,
    }


def _history(w: Workload, scenarios: frozenset[str], now: float) -> list[tuple[Obj, bool]]:
    """(release, gzipped) for each revision of one adapter's release."""
    memory = HAND_EDITED[1] if w.platform == HAND_EDITED[0] else w.memory_limit
    images = {"2.12.0": pinned(f"adapter-{w.platform}", "2.12.0"), "2.13.9": w.previous_image}
    images["2.14.3"] = w.image
    out = []
    for revision, version, days, description in HISTORY:
        status = "deployed" if revision == len(HISTORY) else "superseded"
        rel = release(
            w, revision, version, status, now - days * DAY, description, images[version], memory
        )
        out.append((rel, revision != 1))
    if w.platform == "shopee" and "crashloop" in scenarios:
        for revision, ago in FAILED_UPGRADES:
            rel = release(
                w,
                revision,
                "2.15.0",
                "failed",
                now - ago,
                FAILED_DESCRIPTION,
                CRASHLOOP_IMAGE,
                memory,
            )
            out.append((rel, True))
    return out


def _application(w: Workload, now: float) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": w.name,
            "namespace": ARGOCD,
            "creationTimestamp": rfc3339(now - 60 * DAY),
        },
        "spec": {
            "project": "openclaw",
            "source": {
                "repoURL": "https://charts.openclaw.io",
                "chart": CHART,
                "targetRevision": "2.14.3",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": OPENCLAW},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
        "status": {
            "sync": {"status": "Synced", "revision": "2.14.3"},
            "health": {"status": "Healthy"},
            "resources": [
                {"version": "v1", "kind": "Service", "namespace": OPENCLAW, "name": w.name},
                {
                    "group": "apps",
                    "version": "v1",
                    "kind": "Deployment",
                    "namespace": OPENCLAW,
                    "name": w.name,
                },
            ],
            "reconciledAt": rfc3339(now - 120),
        },
    }


def _namespace(name: str, created: float) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/metadata.name": name},
            "creationTimestamp": rfc3339(created),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


_OWNER_ANNOTATIONS = (
    "meta.helm.sh/release-name",
    "meta.helm.sh/release-namespace",
    "argocd.argoproj.io/tracking-id",
)


def add(
    fleet: FleetLike, workloads: tuple[Workload, ...], scenarios: frozenset[str], now: float
) -> None:
    """Owners for the adapters of an already built fleet: annotations on the Deployments, and
    the release Secrets or the Application that those annotations point to."""
    from .resources import DEPLOYMENT, REPLICASET

    fleet.add(NAMESPACE, _namespace(ARGOCD, now - 300 * DAY))
    deployments = {d["metadata"]["name"]: d for d in fleet.objects.get(DEPLOYMENT, [])}
    # a ReplicaSet carries its Deployment's annotations (the controller copies them): an undo
    # to an older one must bring back the same owner, not the template's placeholder
    sets: dict[str, list[Obj]] = {}
    for rs in fleet.objects.get(REPLICASET, []):
        for ref in rs["metadata"].get("ownerReferences") or ():
            sets.setdefault(ref.get("name", ""), []).append(rs)
    for w in workloads:
        d = deployments.get(w.name)
        if not w.platform or d is None:
            continue
        meta = d["metadata"]
        meta["labels"]["app.kubernetes.io/instance"] = w.name
        if w.platform == ARGO_PLATFORM:
            meta["annotations"].pop("meta.helm.sh/release-name", None)
            meta["annotations"]["argocd.argoproj.io/tracking-id"] = (
                f"{w.name}:apps/Deployment:{OPENCLAW}/{w.name}"
            )
            fleet.add(APPLICATION, _application(w, now))
            continue
        meta["annotations"]["meta.helm.sh/release-name"] = w.name
        meta["annotations"]["meta.helm.sh/release-namespace"] = OPENCLAW
        for rel, compressed in _history(w, scenarios, now):
            fleet.add(SECRET, release_secret(rel, compress=compressed))
    for name, owned in sets.items():
        if name not in deployments:
            continue
        owner = deployments[name]["metadata"].get("annotations", {})
        for rs in owned:
            annotations = rs["metadata"].setdefault("annotations", {})
            for key in _OWNER_ANNOTATIONS:
                if key in owner:
                    annotations[key] = owner[key]
                else:
                    annotations.pop(key, None)
