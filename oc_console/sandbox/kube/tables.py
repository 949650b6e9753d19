"""Server-side printing: the `meta.k8s.io` Table that `kubectl get` asks for.

kubectl sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json` on every get, list and
watch; a server that answers with a plain list gets only NAME and AGE printed. The answer
follows kube-apiserver: columnDefinitions, then one row per object whose `object` is the
object's PartialObjectMetadata (`includeObject=Metadata`, the default), the whole object
(`includeObject=Object`, which kubectl asks for with --sort-by), or nothing (`None`).
Which form a request gets is decided by `metadata.negotiate`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .printers import printer
from .resources import Resource
from .store import Stored

Obj = dict[str, Any]
GROUP = "meta.k8s.io"
VERSIONS = ("v1", "v1beta1")
_INCLUDE = ("None", "Metadata", "Object")


def include_of(query: dict[str, str]) -> str:
    include = query.get("includeObject") or "Metadata"
    if include not in _INCLUDE:
        raise ApiError.bad_request(
            f'includeObject: Unsupported value: "{include}": supported values: '
            + ", ".join(f'"{v}"' for v in _INCLUDE)
        )
    return include


def _row_object(obj: Obj, include: str, version: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"{GROUP}/{version}",
        "metadata": obj["metadata"],
    }


def table(res: Resource, objects: list[Obj], list_meta: Obj, version: str, include: str) -> bytes:
    columns, cells = printer(res.kind)
    now = time.time()
    rows = [
        {"cells": cells(obj, now), "object": _row_object(obj, include, version)} for obj in objects
    ]
    body = {
        "kind": "Table",
        "apiVersion": f"{GROUP}/{version}",
        "metadata": list_meta,
        "columnDefinitions": [c.definition() for c in columns],
        "rows": rows,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def single(res: Resource, obj: Obj, version: str, include: str) -> bytes:
    """A GET of one object: a one-row table at that object's version."""
    meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
    return table(res, [obj], meta, version, include)


def watch_rows(res: Resource, version: str, include: str) -> Callable[[Stored], bytes]:
    """`kubectl get -w`: every watch event carries its object as a one-row Table."""
    return lambda item: single(res, item.obj, version, include)
