"""The three PATCH flavours: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"

# The patchMergeKey of the list fields this fleet's kinds carry; other lists are replaced whole,
# as the API server does for lists without a merge strategy.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "conditions": "type",
    "ownerReferences": "uid",
    "imagePullSecrets": "name",
    "containerStatuses": "name",
    "initContainerStatuses": "name",
}


def apply(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    media = content_type.split(";")[0].strip()
    if media == JSON_PATCH:
        if not isinstance(patch, list):
            raise ApiError.bad_request("json patch must be a list of operations")
        return json_patch(target, patch)
    if not isinstance(patch, dict):
        raise ApiError.bad_request("patch body must be a JSON object")
    if media == MERGE_PATCH:
        result: dict[str, Any] = merge_patch(target, patch)
        return result
    if media == STRATEGIC_PATCH:
        return strategic_merge(target, patch)
    raise ApiError.unsupported_media(media)


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = dict(target)
    for key, value in patch.items():
        if key.startswith("$"):
            # $setElementOrder/$retainKeys only steer ordering and pruning; the content is
            # what matters to every reader of this stand-in.
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = strategic_merge(result[key], value)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], value, MERGE_KEYS[key])
        else:
            result[key] = _strip_directives(value)
    return result


def _merge_list(current: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    merged = list(current)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            continue
        index = next((i for i, c in enumerate(merged) if c.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(_strip_directives(item))
        else:
            merged[index] = strategic_merge(merged[index], item)
    return merged


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError.bad_request(f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts[:-1]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(
                422,
                "Invalid",
                f"the server rejected our request due to an error in our request: "
                f'doc is missing path: "{path}"',
            ) from None
    return node


def json_patch(target: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(target)
    for op in ops:
        name, path = op.get("op"), op.get("path", "")
        if name in ("move", "copy"):
            value = _get(doc, op["from"])
            if name == "move":
                _remove(doc, op["from"])
            _add(doc, path, copy.deepcopy(value))
        elif name == "add":
            _add(doc, path, copy.deepcopy(op.get("value")))
        elif name == "replace":
            _remove(doc, path)
            _add(doc, path, copy.deepcopy(op.get("value")))
        elif name == "remove":
            _remove(doc, path)
        elif name == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError(422, "Invalid", f"testing value {path} failed")
        else:
            raise ApiError.bad_request(f"Unexpected kind: {name}")
    return doc


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    node = _parent(doc, parts, path)
    try:
        return node[int(parts[-1])] if isinstance(node, list) else node[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ApiError(422, "Invalid", f'doc is missing key: "{path}"') from None


def _remove(doc: Any, path: str) -> None:
    parts = _pointer(path)
    _get(doc, path)
    node = _parent(doc, parts, path)
    if isinstance(node, list):
        del node[int(parts[-1])]
    else:
        del node[parts[-1]]


def _add(doc: Any, path: str, value: Any) -> None:
    parts = _pointer(path)
    if not parts:
        raise ApiError.bad_request("replacing the whole document is not supported")
    node = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        node.insert(index, value)
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ApiError(422, "Invalid", f'doc is missing path: "{path}"')
