"""`events.k8s.io/v1` Events, as kube-apiserver serves them: one stored object seen through two
APIs. An Event created here is stored as the core/v1 Event it converts to (regarding ->
involvedObject, note -> message, reportingController -> reportingComponent and source), so
`kubectl describe` (which lists core/v1 Events) and the console's watch see it; a list, get or
watch here converts the stored core/v1 Events back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import crud, watch
from .errors import ApiError
from .resources import EVENT, Resource
from .store import Obj

if TYPE_CHECKING:
    from .handler import Handler, Route

# events.k8s.io/v1 field -> core/v1 field, for those that only change name
_RENAMED = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedCount": "count",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedSource": "source",
    "reportingController": "reportingComponent",
}
_SAME = ("metadata", "eventTime", "series", "action", "reason", "related",
         "reportingInstance", "type")  # fmt: skip
_REQUIRED = ("eventTime", "reportingController", "reportingInstance")


def to_core(body: Obj) -> Obj:
    out: Obj = {k: body[k] for k in _SAME if k in body}
    out.update({core: body[new] for new, core in _RENAMED.items() if new in body})
    if "source" not in out and body.get("reportingController"):
        out["source"] = {"component": body["reportingController"]}
    out["apiVersion"], out["kind"] = EVENT.api_version, EVENT.kind
    return out


def from_core(obj: Obj, res: Resource) -> Obj:
    out: Obj = {k: obj[k] for k in _SAME if k in obj}
    out.update({new: obj[core] for new, core in _RENAMED.items() if core in obj})
    out["apiVersion"], out["kind"] = res.api_version, res.kind
    return out


def _validate(res: Resource, body: Any) -> None:
    if not isinstance(body, dict):
        raise ApiError.bad_request("the body of the request was empty or not an object")
    name = str((body.get("metadata") or {}).get("name") or "")
    missing = [f for f in _REQUIRED if not body.get(f)]
    if missing:
        raise ApiError.invalid(res, name, f"{missing[0]}: Required value")


def _render(res: Resource) -> Any:
    return lambda item: json.dumps(from_core(item.obj, res)).encode()


def serve(h: Handler, route: Route, verb: str, query: dict[str, str], dry_run: bool) -> None:
    """create, get, list and watch; the other verbs are not served for this group here."""
    ctx, res, ns = h.ctx, route.res, route.namespace
    if verb == "create":
        body = h.read_body()
        _validate(res, body)
        stored = crud.create(ctx.store, EVENT, ns, to_core(body), dry_run)
        h.send_json(201, from_core(stored, res))
    elif verb == "get":
        h.send_json(200, from_core(ctx.store.require(EVENT, ns, route.name).obj, res))
    elif verb == "list":
        items, meta = crud.page(ctx.store, EVENT, ns, query)
        body = {"kind": f"{res.kind}List", "apiVersion": res.api_version, "metadata": meta,
                "items": [from_core(s.obj, res) for s in items]}  # fmt: skip
        h.send_json(200, body)
    elif verb == "watch":
        watch.serve(h, ctx, EVENT, ns, query, _render(res))
    else:
        h.read_body_quietly()
        raise ApiError.not_allowed()


def is_events_v1(res: Resource) -> bool:
    return res.group == "events.k8s.io"
