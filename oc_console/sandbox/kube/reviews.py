"""SelfSubjectAccessReview and SelfSubjectReview: who am I, and may I?"""

from __future__ import annotations

from typing import Any

from .context import Context
from .errors import ApiError
from .resources import Resource

Obj = dict[str, Any]
GROUPS = ["openclaw:oncall", "system:authenticated"]


def answer(ctx: Context, res: Resource, body: Any) -> Obj:
    if not isinstance(body, dict):
        raise ApiError.bad_request("the body of the request was empty or not an object")
    body.setdefault("metadata", {})["creationTimestamp"] = None
    body["apiVersion"], body["kind"] = res.api_version, res.kind
    if res.kind == "SelfSubjectReview":
        body["status"] = {"userInfo": {"username": ctx.user, "groups": GROUPS}}
        return body
    attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
    resource = attrs.get("resource", "")
    if attrs.get("subresource"):
        resource = f"{resource}/{attrs['subresource']}"
    denied = ctx.faults.is_denied(attrs.get("verb", ""), resource)
    body["status"] = (
        # RBAC only ever grants: a missing grant is "not allowed", without a reason.
        {"allowed": False}
        if denied
        else {"allowed": True, "reason": 'RBAC: allowed by RoleBinding "oncall/openclaw"'}
    )
    return body
