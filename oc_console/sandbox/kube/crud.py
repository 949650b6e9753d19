"""Object operations with the API server's rules: generation, status, preconditions, dry run."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

from . import patch as patching
from .errors import ApiError
from .resources import DEPLOYMENT, POD, Resource
from .selectors import field_selector, label_selector, to_selector_string
from .store import Obj, Store, Stored

# Kinds whose status only the /status subresource may change.
_STATUS_GUARDED = {"Deployment", "ReplicaSet", "HorizontalPodAutoscaler", "Certificate", "Pod"}
_STATUS_GUARDED.add("ExternalSecret")  # its CRD has the status subresource


def page(
    store: Store, res: Resource, namespace: str, query: dict[str, str]
) -> tuple[list[Stored], Obj]:
    """The selected objects of one list request, one page of them, and the list's metadata."""
    items, rv = store.query(res, namespace or None)
    keep = matcher(query)
    items = sorted((s for s in items if keep(s)), key=lambda s: (s.namespace, s.name))
    meta: Obj = {"resourceVersion": str(rv)}
    limit = int(query.get("limit") or 0)
    start = _decode_continue(query.get("continue"))
    if start:
        items = items[start:]
    if limit and len(items) > limit:
        meta["continue"] = base64.urlsafe_b64encode(
            json.dumps({"rv": rv, "start": start + limit}).encode()
        ).decode()
        meta["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    return items, meta


def list_body(
    store: Store,
    res: Resource,
    namespace: str,
    query: dict[str, str],
    padding: list[bytes] | None = None,
) -> bytes:
    items, meta = page(store, res, namespace, query)
    raws = [s.raw for s in items]
    raws.extend(padding or [])
    head = json.dumps({"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": meta})
    return head[:-1].encode() + b',"items":[' + b",".join(raws) + b"]}"


def _decode_continue(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["start"])
    except (ValueError, KeyError, TypeError):
        raise ApiError.bad_request("continue key is not valid") from None


def matcher(query: dict[str, str]) -> Callable[[Stored], bool]:
    """Selectors over stored versions; only a field selector needs the parsed object."""
    labels = label_selector(query.get("labelSelector"))
    fields = field_selector(query.get("fieldSelector")) if query.get("fieldSelector") else None
    return lambda s: (
        labels({"metadata": {"labels": s.labels}}) and (fields is None or fields(s.obj))
    )


def create(store: Store, res: Resource, namespace: str, body: Any, dry_run: bool) -> Obj:
    if not isinstance(body, dict):
        raise ApiError.bad_request("the body of the request was empty or not an object")
    meta = body.setdefault("metadata", {})
    if res.namespaced:
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise ApiError.bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    body["apiVersion"], body["kind"] = res.api_version, res.kind
    for key in ("uid", "resourceVersion", "generation"):
        meta.pop(key, None)
    return store.create(res, body, dry_run)


def write(store: Store, res: Resource, current: Stored, body: Any, sub: str, dry_run: bool) -> Obj:
    """Replace an object (PUT, or the result of a PATCH), main resource or /status."""
    if not isinstance(body, dict):
        raise ApiError.bad_request("the body of the request was empty or not an object")
    old = current.obj
    name = old["metadata"]["name"]
    expected = (body.get("metadata") or {}).get("resourceVersion")
    if expected and expected != old["metadata"]["resourceVersion"]:
        raise ApiError.conflict(res, name)
    if sub == "status":
        new = current.copy()
        new["status"] = body.get("status")
        return store.replace(res, new, dry_run)
    new = copy.deepcopy(body)
    meta = new.setdefault("metadata", {})
    if meta.get("name", name) != name:
        raise ApiError.bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
        )
    for key in ("name", "namespace", "uid", "creationTimestamp", "generation"):
        if key in old["metadata"]:
            meta[key] = old["metadata"][key]
    new["apiVersion"], new["kind"] = res.api_version, res.kind
    if res.kind in _STATUS_GUARDED and "status" in old:
        new["status"] = old["status"]
    if "generation" in meta and new.get("spec") != old.get("spec"):
        meta["generation"] = int(meta["generation"]) + 1
    return store.replace(res, new, dry_run)


def patched(res: Resource, current: Stored, content_type: str, body: Any) -> Obj:
    if res.group == "cert-manager.io" and content_type.startswith(patching.STRATEGIC_PATCH):
        # Custom resources have no patch strategy schema, so the API server refuses these.
        raise ApiError.unsupported_media(content_type)
    return patching.apply(content_type, current.copy(), body)


def scale_of(deployment: Obj, res: Resource = DEPLOYMENT) -> Obj:
    meta = deployment["metadata"]
    status = deployment.get("status") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": deployment["spec"].get("replicas", 1)},
        "status": {
            "replicas": status.get("replicas", 0),
            "selector": to_selector_string(deployment["spec"]["selector"].get("matchLabels", {})),
        },
    }


def apply_scale(store: Store, res: Resource, current: Stored, scale: Any, dry_run: bool) -> Obj:
    try:
        replicas = int(scale["spec"]["replicas"])
    except (KeyError, TypeError, ValueError):
        raise ApiError.invalid(
            res, current.obj["metadata"]["name"], "spec.replicas: Required value"
        ) from None
    if replicas < 0:
        raise ApiError.invalid(
            res, current.obj["metadata"]["name"], "spec.replicas: Invalid value: must be >= 0"
        )
    obj = current.copy()
    obj["spec"]["replicas"] = replicas
    # the Scale's resourceVersion is the Deployment's: a stale one is a precondition failure
    expected = (scale.get("metadata") or {}).get("resourceVersion")
    if expected:
        obj["metadata"]["resourceVersion"] = expected
    return scale_of(write(store, res, current, obj, "", dry_run))


def deleted_status(res: Resource, obj: Obj) -> Obj:
    if res is POD:
        return obj
    details: Obj = {
        "name": obj["metadata"]["name"],
        "kind": res.plural,
        "uid": obj["metadata"]["uid"],
    }
    if res.group:
        details["group"] = res.group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
