"""Names, hashes and addresses shaped like the ones a real cluster hands out."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# The alphabet of Kubernetes' rand.SafeEncodeString: no vowels, no look-alike characters.
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
NODES = (
    "ip-10-42-1-17.ec2.internal",
    "ip-10-42-2-88.ec2.internal",
    "ip-10-42-3-141.ec2.internal",
    "ip-10-42-4-203.ec2.internal",
)


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def safe_suffix(length: int, *seed: str) -> str:
    return "".join(_SAFE[b % len(_SAFE)] for b in _digest(*seed)[:length])


def template_hash(template: dict[str, Any]) -> str:
    """The pod-template-hash of a template (computed without that label, as the controller does)."""
    labels = {
        k: v
        for k, v in (template.get("metadata", {}).get("labels") or {}).items()
        if k != "pod-template-hash"
    }
    body = dict(template)
    body["metadata"] = {**template.get("metadata", {}), "labels": labels}
    return safe_suffix(10, json.dumps(body, sort_keys=True))


def strip_hash(template: dict[str, Any]) -> dict[str, Any]:
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != "pod-template-hash"}
    meta["labels"] = labels
    return {**template, "metadata": meta}


def hex64(*seed: str) -> str:
    return _digest(*seed).hex()


def node_for(name: str) -> str:
    return NODES[_digest(name)[0] % len(NODES)]


def pod_ip(name: str) -> str:
    d = _digest("ip", name)
    return f"10.42.{d[0] % 8 + 1}.{d[1] % 250 + 2}"


def node_ip(node: str) -> str:
    return node.removeprefix("ip-").split(".")[0].replace("-", ".")


def image_id(image: str) -> str:
    """What the kubelet reports as imageID: always digest-pinned, even for a tag reference."""
    if "@sha256:" in image:
        return image
    repo = image.rsplit(":", 1)[0]
    return f"{repo}@sha256:{hex64('image', image)}"
