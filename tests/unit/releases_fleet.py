"""A FleetSnapshot with release facts, made from the sandbox's objects by the source's own
parse functions (no server): objects -> rows -> analysis."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oc_console.config import KubernetesConfig
from oc_console.domain.kube import AdapterHealth, FleetSnapshot, Revision, WatchStatus
from oc_console.domain.releases import ApiGroup
from oc_console.sandbox.kube import fleet as sandbox_fleet
from oc_console.sandbox.kube.resources import APPLICATION, DEPLOYMENT, HPA, REPLICASET, SECRET
from oc_console.sources.kube import argo, parse
from oc_console.sources.kube.helm import HelmDecoder
from oc_console.sources.kube.source import kind_specs

Obj = dict[str, Any]
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def helm_encode(release: Obj, *, compress: bool) -> str:
    """What Helm's storage driver puts in the Secret, written from Helm's Go code
    (pkg/storage/driver/util.go encodeRelease + the API's base64 of Secret data), not from
    the sandbox: json.Marshal, gzip BestCompression, base64.StdEncoding; then the API layer."""
    raw = json.dumps(release, separators=(",", ":")).encode()
    if compress:
        raw = gzip.compress(raw, compresslevel=9)
    helm_layer = base64.b64encode(raw)
    return base64.b64encode(helm_layer).decode()


def sandbox_objects(scenarios: frozenset[str] = frozenset({"crashloop"})) -> dict[Any, list[Obj]]:
    built = sandbox_fleet.build(scenarios, 0, NOW.timestamp())
    return built.objects


def snapshot(
    objects: dict[Any, list[Obj]],
    *,
    watches: tuple[WatchStatus, ...] = (),
    groups: tuple[ApiGroup, ...] | None = None,
) -> FleetSnapshot:
    specs = kind_specs(KubernetesConfig())
    parse_deployment = next(s.parse for s in specs if s.kind == "deployments")
    history: dict[str, list[Revision]] = {}
    for rs in filter(None, map(parse.parse_replicaset, objects.get(REPLICASET, []))):
        history.setdefault(rs[1], []).append(rs[2])
    hpas = {t: h for _, t, h in filter(None, map(parse.parse_hpa, objects.get(HPA, [])))}
    adapters: list[AdapterHealth] = []
    for obj in objects.get(DEPLOYMENT, []):
        row = parse_deployment(obj)
        if isinstance(row, AdapterHealth):
            revisions = sorted(history.get(row.name, []), key=lambda r: -r.revision)
            adapters.append(replace(row, revisions=tuple(revisions), hpa=hpas.get(row.name)))
    decoder = HelmDecoder()
    helm = [r for r in map(decoder, objects.get(SECRET, [])) if r is not None]
    return FleetSnapshot(
        context="test",
        namespaces=("openclaw",),
        adapters=tuple(adapters),
        pods=(),
        events=(),
        certificates=(),
        watches=watches,
        helm=tuple(helm),
        argo_apps=tuple(map(argo.parse_application, objects.get(APPLICATION, []))),
        api_groups=groups,
    )


def adapter(snap: FleetSnapshot, platform: str) -> AdapterHealth:
    return next(a for a in snap.adapters if a.platform == platform)
