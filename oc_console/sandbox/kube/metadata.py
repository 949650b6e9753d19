"""Metadata-only answers, as kube-apiserver gives them to client-go's metadata client.

A client that needs only names, labels and times sends
`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` on a list and
`...;as=PartialObjectMetadata;...` on a get or a watch. The server then answers with the
objects' `metadata` alone: no `spec`, no `status`, no Secret `data`. A header that names only
forms the server cannot give is refused with 406, never answered with the full object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .store import Stored

Obj = dict[str, Any]
GROUP = "meta.k8s.io"
VERSIONS = ("v1", "v1beta1")
TABLE, METADATA, OBJECT = "Table", "Metadata", "Object"


def negotiate(accept: str, verb: str) -> tuple[str, str | None]:
    """(form, meta.k8s.io version) of the first media type in `accept` that can be served:
    Table (kubectl), Metadata (a PartialObjectMetadata list, object or watch), or the plain
    Object. 406 when the header asks only for transformed forms none of which fits `verb`."""
    refused = False
    for media in accept.split(","):
        kind, *raw = (part.strip() for part in media.split(";"))
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        if kind not in ("application/json", "application/*", "*/*"):
            continue
        target = params.get("as")
        if target is None:
            return OBJECT, None
        version = params.get("v")
        if params.get("g") != GROUP or version not in VERSIONS:
            refused = True
            continue
        if target == "Table":
            return TABLE, version
        wanted = "PartialObjectMetadataList" if verb == "list" else "PartialObjectMetadata"
        if target == wanted:
            return METADATA, version
        refused = True
    if refused:
        raise ApiError.not_acceptable()
    return OBJECT, None


def partial(obj: Obj, version: str) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"{GROUP}/{version}",
        "metadata": obj.get("metadata") or {},
    }


def _dump(obj: Obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def list_body(items: list[Stored], list_meta: Obj, version: str) -> bytes:
    return _dump(
        {
            "kind": "PartialObjectMetadataList",
            "apiVersion": f"{GROUP}/{version}",
            "metadata": list_meta,
            "items": [partial(s.obj, version) for s in items],
        }
    )


def single(obj: Obj, version: str) -> bytes:
    return _dump(partial(obj, version))


def watch_object(version: str) -> Callable[[Stored], bytes]:
    """Every watch event carries its object as PartialObjectMetadata."""
    return lambda item: single(item.obj, version)
