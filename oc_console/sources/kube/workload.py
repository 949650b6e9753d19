"""A Deployment's drift-relevant facts (replicas, images, resources, env names) and its owner
annotations, read the same way from a live object and from a Helm manifest so that the two
compare field by field.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from oc_console.domain.releases import ContainerSpec, OwnerRefs, WorkloadSpec
from oc_console.sources.kube.parse import parse_quantity

Obj = dict[str, Any]
_EMPTY: Obj = {}
_intern = sys.intern
_CPU = re.compile(r"^([0-9.]+)(m?)$")

HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"
HELM_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
INSTANCE_LABEL = "app.kubernetes.io/instance"
# Argo CD's annotation tracking: "<app>:<group>/<kind>:<namespace>/<name>"; with applications
# in any namespace the app part is "<app namespace>_<app>".
ARGOCD_TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"


def cpu_millicores(value: object) -> int | None:
    """A CPU quantity in millicores: "250m" -> 250, "1" -> 1000, "0.5" -> 500."""
    if isinstance(value, int | float):
        return round(value * 1000)
    if not isinstance(value, str):
        return None
    m = _CPU.match(value.strip())
    if not m:
        return None
    try:
        amount = float(m.group(1))
    except ValueError:
        return None
    return round(amount) if m.group(2) else round(amount * 1000)


def _resources(resources: Obj) -> tuple[tuple[str, int], ...]:
    out = []
    for group in ("requests", "limits"):
        values = resources.get(group) or _EMPTY
        if not isinstance(values, dict):
            continue
        for name in ("cpu", "memory"):
            if name not in values:
                continue
            amount = cpu_millicores(values[name]) if name == "cpu" else parse_quantity(values[name])
            if amount is not None:
                out.append((_intern(f"{group}.{name}"), amount))
    return tuple(out)


def _env(container: Obj) -> tuple[str, ...]:
    names = [str(e.get("name")) for e in container.get("env") or () if isinstance(e, dict)]
    for source in container.get("envFrom") or ():
        if not isinstance(source, dict):
            continue
        for key, kind in (("configMapRef", "configMap"), ("secretRef", "secret")):
            ref = source.get(key)
            if isinstance(ref, dict):
                names.append(f"{source.get('prefix') or ''}*from {kind} {ref.get('name')}")
    return tuple(sorted(_intern(n) for n in names))


def _container(c: Obj, init: bool) -> ContainerSpec:
    resources = c.get("resources") or _EMPTY
    return ContainerSpec(
        name=_intern(str(c.get("name") or "?")),
        image=_intern(str(c.get("image") or "")),
        resources=_resources(resources if isinstance(resources, dict) else _EMPTY),
        env=_env(c),
        init=init,
    )


def workload_spec(obj: Obj) -> WorkloadSpec:
    """The Deployment's replicas and containers (init containers marked)."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    containers = [
        _container(c, init)
        for group, init in (("initContainers", True), ("containers", False))
        for c in template.get(group) or ()
        if isinstance(c, dict)
    ]
    replicas = spec.get("replicas")
    namespace = meta.get("namespace")
    return WorkloadSpec(
        name=str(meta.get("name") or "?"),
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        replicas=replicas if isinstance(replicas, int) else None,
        containers=tuple(containers),
    )


def argocd_app(tracking_id: object) -> str | None:
    if not isinstance(tracking_id, str) or ":" not in tracking_id:
        return None
    app = tracking_id.split(":", 1)[0]
    return app.split("_", 1)[1] if "_" in app else app


def owner_refs(meta: Obj) -> OwnerRefs | None:
    """The owner annotations and labels, or None when the Deployment carries none."""
    annotations = meta.get("annotations") or _EMPTY
    labels = meta.get("labels") or _EMPTY
    refs = OwnerRefs(
        helm_release=_str(annotations.get(HELM_RELEASE_ANNOTATION)),
        helm_namespace=_str(annotations.get(HELM_NAMESPACE_ANNOTATION)),
        managed_by=_str(labels.get(MANAGED_BY_LABEL)),
        argocd_app=argocd_app(annotations.get(ARGOCD_TRACKING_ANNOTATION)),
        instance=_str(labels.get(INSTANCE_LABEL)),
    )
    return None if refs == OwnerRefs(None, None, None, None, None) else refs


def _str(value: object) -> str | None:
    return _intern(value) if isinstance(value, str) and value else None
