"""Legacy discovery documents; kubectl falls back to them when aggregated discovery is absent."""

from __future__ import annotations

from typing import Any

from .resources import GROUP_VERSIONS, RESOURCES, Resource

Obj = dict[str, Any]

VERSION: Obj = {
    "major": "1",
    "minor": "37",
    "emulationMajor": "1",
    "emulationMinor": "37",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "36",
    "gitVersion": "v1.37.1",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def _entries(res: Resource) -> list[Obj]:
    main: Obj = {
        "name": res.plural,
        "singularName": res.singular,
        "namespaced": res.namespaced,
        "kind": res.kind,
        "verbs": list(res.verbs),
    }
    if res.short_names:
        main["shortNames"] = list(res.short_names)
    if res.categories:
        main["categories"] = list(res.categories)
    subs: list[Obj] = []
    for sub in res.subresources:
        entry: Obj = {
            "name": f"{res.plural}/{sub.name}",
            "singularName": "",
            "namespaced": res.namespaced,
            "kind": sub.kind,
            "verbs": list(sub.verbs),
        }
        if sub.group is not None:
            entry["group"] = sub.group
            entry["version"] = sub.version
        subs.append(entry)
    return [main, *subs]


def resource_list(group: str, version: str) -> Obj | None:
    matching = [r for r in RESOURCES if (r.group, r.version) == (group, version)]
    if not matching:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": [entry for r in matching for entry in _entries(r)],
    }


def core_versions() -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }


def group_list() -> Obj:
    groups = []
    for group, version in GROUP_VERSIONS:
        if not group:
            continue
        gv = {"groupVersion": f"{group}/{version}", "version": version}
        groups.append({"name": group, "versions": [gv], "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(name: str) -> Obj | None:
    return next((g for g in group_list()["groups"] if g["name"] == name), None)
