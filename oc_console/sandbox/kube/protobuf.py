"""Just enough Kubernetes protobuf to read the review requests typed clients send that way.

kubectl's typed clientset POSTs `application/vnd.kubernetes.protobuf` and does not fall back to
JSON on 415, so `kubectl auth can-i` and `kubectl auth whoami` need these two kinds decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import ApiError

MAGIC = b"k8s\x00"
Schema = dict[int, tuple[str, "Schema | None"]]

_TYPE_META: Schema = {1: ("apiVersion", None), 2: ("kind", None)}
_UNKNOWN: Schema = {1: ("typeMeta", _TYPE_META), 2: ("raw", None)}
_OBJECT_META: Schema = {1: ("name", None), 3: ("namespace", None)}
_RESOURCE_ATTRIBUTES: Schema = {
    1: ("namespace", None),
    2: ("verb", None),
    3: ("group", None),
    4: ("version", None),
    5: ("resource", None),
    6: ("subresource", None),
    7: ("name", None),
}
_SSAR: Schema = {
    1: ("metadata", _OBJECT_META),
    2: (
        "spec",
        {
            1: ("resourceAttributes", _RESOURCE_ATTRIBUTES),
            2: ("nonResourceAttributes", {1: ("path", None), 2: ("verb", None)}),
        },
    ),
}
SCHEMAS: dict[str, Schema] = {
    "SelfSubjectAccessReview": _SSAR,
    "SelfSubjectReview": {1: ("metadata", _OBJECT_META)},
}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, bytes | int]]:
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, value
        elif wire == 2:
            length, pos = _varint(buf, pos)
            yield number, buf[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _decode(buf: bytes, schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, value in _fields(buf):
        if number not in schema or not isinstance(value, bytes):
            continue
        name, sub = schema[number]
        out[name] = _decode(value, sub) if sub is not None else value
    return out


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON object it stands for."""
    try:
        if not body.startswith(MAGIC):
            raise ValueError("missing the k8s protobuf prefix")
        envelope = _decode(body[len(MAGIC) :], _UNKNOWN)
        meta = envelope.get("typeMeta", {})
        kind = meta.get("kind", b"").decode()
        schema = SCHEMAS.get(kind)
        if schema is None:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"protobuf bodies of kind {kind!r} are not supported; send application/json",
            )
        obj = _strings(_decode(envelope.get("raw", b""), schema))
        obj.update(apiVersion=meta.get("apiVersion", b"").decode(), kind=kind)
        return obj
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ApiError.bad_request(f"unable to decode protobuf body: {exc}") from None


def _strings(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: _strings(v) if isinstance(v, dict) else v.decode() for k, v in obj.items()}
