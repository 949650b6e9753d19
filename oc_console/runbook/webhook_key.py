"""An adapter's webhook key, looked at without being shown: where the Deployment reads it from
(env, envFrom or a volume: a Secret, or wrongly a ConfigMap or an inline value), whether it is
base64-encoded twice, and its fingerprint against the one the platform signs with.

The expected fingerprint is the Deployment's `openclaw.io/webhook-secret-sha256` annotation:
the first 12 hex digits of the SHA-256 of the key as the platform's developer console shows
it, recorded by the chart when the webhook is registered. A value never leaves this module:
callers get fingerprints and lengths.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

EXPECTED_SHA256 = "openclaw.io/webhook-secret-sha256"
FINGERPRINT_HEX = 12


def fingerprint(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:FINGERPRINT_HEX]


def b64decode(data: bytes | str) -> bytes | None:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def decoded_again(once: bytes) -> bytes | None:
    """The key under a second base64 layer, when there is one: a key encoded twice decodes a
    second time into printable text; a real key's raw bytes (or text with '_' or '-') do not."""
    twice = b64decode(once)
    if twice is not None and len(twice) >= 8 and twice.isascii() and twice.decode().isprintable():
        return twice
    return None


def expected(deployment: dict[str, Any]) -> str | None:
    value = ((deployment.get("metadata") or {}).get("annotations") or {}).get(EXPECTED_SHA256)
    return f"sha256:{value[:FINGERPRINT_HEX]}" if isinstance(value, str) and value else None


@dataclass(frozen=True)
class KeySource:
    kind: str  # "Secret", "ConfigMap", or "inline" (a literal value in the Deployment)
    name: str  # the Secret or ConfigMap ("" inline)
    key: str  # its key holding the webhook key
    via: str  # "env NAME", "envFrom", "volume NAME"

    def describe(self) -> str:
        if self.kind == "inline":
            return f"an inline value in the Deployment ({self.via})"
        return f"{self.kind} {self.name} key {self.key} ({self.via})"


def _wanted(name: str, env_name: str) -> bool:
    upper = name.upper()
    return upper == env_name if env_name else ("WEBHOOK" in upper and "SECRET" in upper)


def _from_volumes(
    pod: dict[str, Any], container: dict[str, Any], env_name: str
) -> KeySource | None:
    mounted = {m.get("name") for m in container.get("volumeMounts") or ()}
    for volume in pod.get("volumes") or ():
        if volume.get("name") not in mounted:
            continue
        sources = [volume, *((volume.get("projected") or {}).get("sources") or ())]
        for src in sources:
            for kind, field, name_field in (
                ("Secret", "secret", "secretName"),
                ("ConfigMap", "configMap", "name"),
            ):
                ref = src.get(field)
                if not isinstance(ref, dict):
                    continue
                name = ref.get(name_field) or ref.get("name") or ""
                for item in ref.get("items") or ():
                    if _wanted(str(item.get("key", "")), env_name) or "webhook" in name:
                        return KeySource(kind, name, str(item["key"]), f"volume {volume['name']}")
                if "webhook" in name.lower() and env_name:
                    return KeySource(kind, name, env_name, f"volume {volume['name']}")
    return None


def locate(deployment: dict[str, Any], env_name: str) -> KeySource | None:
    """Where the Deployment's first container reads `env_name` (or, when "", any
    *WEBHOOK*SECRET* variable) from: env first, then envFrom (a candidate to confirm by its
    keys), then mounted volumes."""
    pod = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = pod.get("containers") or []
    if not containers:
        return None
    container = containers[0]
    for env in container.get("env") or ():
        name = str(env.get("name", ""))
        if not _wanted(name, env_name):
            continue
        source = env.get("valueFrom") or {}
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            return KeySource("Secret", ref.get("name", ""), ref.get("key", ""), f"env {name}")
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            return KeySource("ConfigMap", ref.get("name", ""), ref.get("key", ""), f"env {name}")
        if "value" in env:
            return KeySource("inline", "", name, f"env {name}")
    for item in container.get("envFrom") or ():
        for kind, field in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
            ref = item.get(field)
            if isinstance(ref, dict) and env_name:
                key = env_name.removeprefix(str(item.get("prefix") or ""))
                return KeySource(kind, ref.get("name", ""), key, "envFrom")
    return _from_volumes(pod, container, env_name)
