"""API errors answered as `Status` objects, worded like the real API server's."""

from __future__ import annotations

from typing import Any

from .resources import Resource


class ApiError(Exception):
    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body

    @classmethod
    def _about(cls, code: int, reason: str, res: Resource, name: str, message: str) -> ApiError:
        details: dict[str, Any] = {"name": name, "kind": res.plural}
        if res.group:
            details["group"] = res.group
        return cls(code, reason, message, details)

    @classmethod
    def not_found(cls, res: Resource, name: str) -> ApiError:
        return cls._about(404, "NotFound", res, name, f'{res.qualified} "{name}" not found')

    @classmethod
    def already_exists(cls, res: Resource, name: str) -> ApiError:
        msg = f'{res.qualified} "{name}" already exists'
        return cls._about(409, "AlreadyExists", res, name, msg)

    @classmethod
    def conflict(cls, res: Resource, name: str) -> ApiError:
        msg = (
            f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again"
        )
        return cls._about(409, "Conflict", res, name, msg)

    @classmethod
    def invalid(cls, res: Resource, name: str, why: str) -> ApiError:
        msg = f'{res.kind}.{res.group or "core"} "{name}" is invalid: {why}'
        return cls._about(422, "Invalid", res, name, msg)

    @classmethod
    def forbidden(
        cls, user: str, verb: str, res: Resource, sub: str, namespace: str, name: str
    ) -> ApiError:
        what = f"{res.plural}/{sub}" if sub else res.plural
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        subject = f'{res.qualified} "{name}"' if name else res.qualified
        msg = (
            f'{subject} is forbidden: User "{user}" cannot {verb} resource "{what}" '
            f'in API group "{res.group}"{where}'
        )
        return cls._about(403, "Forbidden", res, name, msg)

    @classmethod
    def unauthorized(cls) -> ApiError:
        return cls(401, "Unauthorized", "Unauthorized")

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "BadRequest", message)

    @classmethod
    def not_allowed(cls, message: str = "the server does not allow this method") -> ApiError:
        return cls(405, "MethodNotAllowed", message)

    @classmethod
    def unsupported_media(cls, content_type: str) -> ApiError:
        return cls(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format ({content_type}) - accepted media "
            "types include: application/json-patch+json, application/merge-patch+json, "
            "application/strategic-merge-patch+json",
        )

    @classmethod
    def not_acceptable(cls) -> ApiError:
        return cls(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json, "
            "application/json;as=Table;g=meta.k8s.io;v=v1, "
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, "
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )

    @classmethod
    def gone(cls, rv: int) -> ApiError:
        return cls(410, "Expired", f"too old resource version: {rv}")

    @classmethod
    def page_not_found(cls) -> ApiError:
        return cls(404, "NotFound", "the server could not find the requested resource")
