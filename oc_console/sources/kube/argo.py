"""Argo CD Applications (argoproj.io/v1alpha1), read for their sync state and policy.

Argo CD keeps Applications in its own namespace (`argocd`) unless "applications in any
namespace" is on, so the stream also looks in the console's namespaces. An API server without
the CRD answers 404: the stream is then "unavailable" (Argo CD is not installed), which is not
an error; a 403 is one (cannot see).
"""

from __future__ import annotations

import sys
from typing import Any

from oc_console.domain.releases import ArgoApp

Obj = dict[str, Any]
_EMPTY: Obj = {}
_intern = sys.intern

ARGOCD_NAMESPACE = "argocd"


def _text(value: object) -> str | None:
    return _intern(value) if isinstance(value, str) and value else None


def parse_application(obj: Obj) -> ArgoApp:
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    # `sources` (several) replaced `source` in Argo CD 2.6; the first names the chart.
    sources = spec.get("sources") or [spec.get("source") or _EMPTY]
    source = sources[0] if sources and isinstance(sources[0], dict) else _EMPTY
    automated = (spec.get("syncPolicy") or _EMPTY).get("automated")
    # `automated: {}` turns auto-sync on; `enabled: false` (Argo CD 3.x) turns it off again.
    auto = isinstance(automated, dict) and automated.get("enabled", True) is not False
    sync = status.get("sync") or _EMPTY
    resources = tuple(
        (
            _intern(str(r.get("kind") or "")),
            _intern(str(r.get("namespace") or "")),
            str(r.get("name") or ""),
        )
        for r in status.get("resources") or ()
        if isinstance(r, dict)
    )
    return ArgoApp(
        namespace=_intern(meta.get("namespace") or ""),
        name=str(meta.get("name") or "?"),
        project=_intern(str(spec.get("project") or "default")),
        repo=_text(source.get("repoURL")),
        chart=_text(source.get("chart")) or _text(source.get("path")),
        target_revision=_text(source.get("targetRevision")),
        destination_namespace=_text((spec.get("destination") or _EMPTY).get("namespace")),
        sync_status=_intern(str(sync.get("status") or "Unknown")),
        sync_revision=_text(sync.get("revision")),
        health=_intern(str((status.get("health") or _EMPTY).get("status") or "Unknown")),
        auto_sync=auto,
        prune=auto and (automated or _EMPTY).get("prune") is True,
        self_heal=auto and (automated or _EMPTY).get("selfHeal") is True,
        resources=resources,
    )
