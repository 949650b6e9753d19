"""Raw REST calls for actions: the official ApiClient (kubeconfig auth, TLS, token refresh)
without its generated API classes, as `sources/kube/client.py` does for reads and for the same
reasons (import cost, per-call validation). Actions need a handful of verbs on known paths, and
a status code they can act on (404: no Lease yet; 409: someone changed the object)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from oc_console.sources.kube.client import KubeClient, describe_error

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class KubeCallError(Exception):
    """One line for a person, and the HTTP status when the server answered."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class KubeApi:
    client: KubeClient
    timeout: float = 10.0

    @property
    def context(self) -> str:
        return self.client.context

    @property
    def server(self) -> str:
        return self.client.server

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, object] | None = None,
        content_type: str = JSON,
        verb: str = "",
        resource: str = "",
        namespace: str = "",
    ) -> Any:
        """The parsed JSON answer; KubeCallError naming the verb, resource and namespace."""
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": JSON}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            m, url, hdrs, data, post = self.client.api.param_serialize(
                method,
                path,
                query_params=[(k, v) for k, v in (query or {}).items() if v is not None],
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.client.api.call_api(
                m, url, hdrs, data, post, _request_timeout=(self.timeout, self.timeout)
            )
            raw = response.read()
            if not 200 <= response.status <= 299:
                raise ApiException(status=response.status, reason=response.reason, body=raw)
            return orjson.loads(raw) if raw else None
        except Exception as exc:
            status = exc.status if isinstance(exc, ApiException) else 0
            what = verb or method.lower()
            line = describe_error(exc, self.client, what, resource or path, namespace)
            raise KubeCallError(line, int(status or 0)) from None

    def may(
        self, verb: str, group: str, resource: str, namespace: str, name: str = "", sub: str = ""
    ) -> tuple[bool, str]:
        """SelfSubjectAccessReview for exactly this verb, resource and namespace."""
        attrs: dict[str, str] = {"verb": verb, "group": group, "resource": resource}
        if namespace:
            attrs["namespace"] = namespace
        if name:
            attrs["name"] = name
        if sub:
            attrs["subresource"] = sub
        review = self.call(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            body={
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": attrs},
            },
            verb="create",
            resource="selfsubjectaccessreviews",
        )
        status = (review or {}).get("status") or {}
        return bool(status.get("allowed")), str(status.get("reason") or "")

    def whoami(self) -> str:
        """The username the API server sees (SelfSubjectReview, authentication.k8s.io/v1)."""
        review = self.call(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
            verb="create",
            resource="selfsubjectreviews",
        )
        user = ((review or {}).get("status") or {}).get("userInfo") or {}
        return str(user.get("username") or "")
