"""External Secrets in the sandbox: the CRD's objects, a stand-in for its controller, and what
each adapter's webhook key really is once loaded.

- Every scenario: the Shopify adapter reads its webhook key from a Secret that an ExternalSecret
  writes from the KMS, Ready and synced (the platform's rule, kept).
- `webhook`: the TikTok key's ExternalSecret fails to sync (the KMS denied a decrypt), so a
  deploy script put the key by hand in the plain Secret `openclaw-webhook-secrets`,
  base64-encoded twice, and pointed the adapter at it. The store itself holds the right key.
- The controller stand-in syncs an ExternalSecret again when its `force-sync` annotation
  changes, from `store` (tests change it as an operator changes the KMS).
- `Loaded` records, for each ReplicaSet when first seen, whether the key its pods read at
  start matches the one the platform signs with: the Deployment's
  `openclaw.io/webhook-secret-sha256` annotation (the first 12 hex digits of the SHA-256 of
  the key the platform's developer console shows, set by the chart when the webhook is
  registered). The pods' logs show signature mismatches while it does not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import uuid
from typing import Any

from . import objects
from .resources import CONFIGMAP, DEPLOYMENT, EVENT, REPLICASET, SECRET, Resource
from .scenarios import NAMESPACE
from .store import Store
from .timefmt import rfc3339

Obj = dict[str, Any]
GROUP_VERSION = "external-secrets.io/v1"
FORCE_SYNC = "force-sync"
EXPECTED_SHA256 = "openclaw.io/webhook-secret-sha256"
STORE_REF = {"name": "openclaw-kms", "kind": "ClusterSecretStore"}
SIGNING_KEYS = {
    "tiktok": "whsec_7f3a9c1e5b2d4f6a8c0e1b3d5f",
    "shopify": "whsec_7f3a9c1e5b2d4f6a8c0e1b3d5f"[::-1],
}
REMOTE_KEY = "openclaw/{platform}/webhook-signing-secret"
PLAIN_SECRET = "openclaw-webhook-secrets"  # the Secret a deploy script wrote by hand


def synced_secret_name(platform: str) -> str:
    return f"openclaw-adapter-{platform}-webhook"


def env_name(platform: str) -> str:
    return f"{platform.upper()}_WEBHOOK_SECRET"


def fingerprint(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()[:12]


def b64(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


def webhook_source(platform: str) -> tuple[str, str] | None:
    """(Secret, key) the adapter's webhook key comes from."""
    if platform == "shopify":
        return synced_secret_name(platform), env_name(platform)
    if platform == "tiktok":
        return PLAIN_SECRET, env_name(platform)
    return None


def expected_annotation(platform: str) -> dict[str, str]:
    key = SIGNING_KEYS.get(platform)
    return {EXPECTED_SHA256: fingerprint(key.encode())} if key else {}


def _ready(ok: bool, reason: str, message: str, at: float) -> Obj:
    return {"type": "Ready", "status": "True" if ok else "False", "reason": reason,
            "message": message, "lastTransitionTime": rfc3339(at)}  # fmt: skip


def external_secret(platform: str, failing: bool, now: float) -> Obj:
    name = synced_secret_name(platform)
    key = REMOTE_KEY.format(platform=platform)
    synced = now - (26 * 3600 if failing else 40 * 60)
    status: Obj = {"refreshTime": rfc3339(synced), "binding": {"name": name},
                   "syncedResourceVersion": f"1-{fingerprint(name.encode())}"}  # fmt: skip
    if failing:
        message = (
            f"could not get secret data from provider: error retrieving secret at .data[0], "
            f"key: {key}, err: AccessDeniedException: User: arn:aws:sts::401234567890:"
            "assumed-role/openclaw-external-secrets is not authorized to perform: kms:Decrypt"
        )
        status["conditions"] = [_ready(False, "SecretSyncedError", message, now - 25 * 3600)]
    else:
        status["conditions"] = [_ready(True, "SecretSynced", "secret synced", synced)]
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "ExternalSecret",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 60 * 86_400),
            "generation": 1,
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": dict(STORE_REF),
            "target": {"name": name, "creationPolicy": "Owner"},
            "data": [{"secretKey": env_name(platform), "remoteRef": {"key": key}}],
        },
        "status": status,
    }


def synced_secret(es: Obj, value: str, now: float) -> Obj:
    """The Secret an ExternalSecret writes, owned by it as `creationPolicy: Owner` does."""
    meta = es["metadata"]
    owner = {"apiVersion": GROUP_VERSION, "kind": "ExternalSecret", "name": meta["name"],
             "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}  # fmt: skip
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": es["spec"]["target"]["name"],
            "namespace": meta["namespace"],
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 60 * 86_400),
            "labels": {"reconcile.external-secrets.io/managed": "true"},
            "ownerReferences": [owner],
        },
        "data": {es["spec"]["data"][0]["secretKey"]: b64(value)},
    }


def build(scenarios: frozenset[str], now: float) -> tuple[list[Obj], list[Obj]]:
    """(ExternalSecrets, the Secrets they wrote). The failing one's Secret still holds the
    twice-encoded key of its last good sync."""
    specs, secrets = [], []
    for platform, failing in (("shopify", False), ("tiktok", True)):
        if failing and "webhook" not in scenarios:
            continue
        es = external_secret(platform, failing, now)
        key = SIGNING_KEYS[platform]
        specs.append(es)
        secrets.append(synced_secret(es, b64(key) if failing else key, now))
    return specs, secrets


def initial_store() -> dict[str, str]:
    return {REMOTE_KEY.format(platform=p): key for p, key in SIGNING_KEYS.items()}


class ExternalSecretsController:
    """The part of External Secrets the console relies on: a changed `force-sync` annotation
    syncs the ExternalSecret now, from `store`, into its Secret, and says so in its status."""

    def __init__(self, store: Store, resource: Resource) -> None:
        self._store = store
        self._res = resource
        self.store: dict[str, str] = initial_store()  # the KMS: remote key -> value
        self._asked: dict[str, str | None] = {}  # ExternalSecret uid -> force-sync seen
        self._seen_rv = -1

    def tick(self) -> None:
        store = self._store
        with store.cond:
            if store.rv == self._seen_rv:
                return
            self._seen_rv = store.rv
            for stored in store.query(self._res, None)[0]:
                es = stored.obj
                meta = es["metadata"]
                asked = (meta.get("annotations") or {}).get(FORCE_SYNC)
                seen = meta["uid"] in self._asked
                before = self._asked.get(meta["uid"])
                self._asked[meta["uid"]] = asked
                if seen and before != asked:  # a new one is as the fleet began: not asked
                    self._sync(stored.copy())

    def _sync(self, es: Obj) -> None:
        now = time.time()
        data, missing = {}, []
        for item in es["spec"].get("data") or ():
            key = item["remoteRef"]["key"]
            if key in self.store:
                data[item["secretKey"]] = b64(self.store[key])
            else:
                missing.append(key)
        status = es.setdefault("status", {})
        if missing:
            message = f"could not get secret data from provider: key {missing[0]} not found"
            status["conditions"] = [_ready(False, "SecretSyncedError", message, now)]
        else:
            self._write(es, data, now)
            status["refreshTime"] = rfc3339(now)
            status["conditions"] = [_ready(True, "SecretSynced", "secret synced", now)]
        self._store.replace(self._res, es)
        ok = not missing
        self._store.create(
            EVENT,
            objects.event(es, "Updated" if ok else "UpdateFailed",
                          "secret synced" if ok else "could not get secret data from provider",
                          now, warning=not ok, component="external-secrets"),
        )  # fmt: skip

    def _write(self, es: Obj, data: dict[str, str], now: float) -> None:
        target = es["spec"]["target"]["name"]
        current = self._store.get(SECRET, es["metadata"]["namespace"], target)
        if current is None:
            self._store.create(SECRET, {**synced_secret(es, "", now), "data": data})
            return
        secret = current.copy()
        secret["data"] = data
        self._store.replace(SECRET, secret)


class Loaded:
    """Whether each ReplicaSet's pods loaded the webhook key the platform signs with: judged
    once, when the ReplicaSet is first seen, from the Secret (or ConfigMap) its template's
    env names at that moment, as a container reads its env once at start."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.mismatching: dict[str, bool] = {}  # ReplicaSet uid -> its pods sign wrongly
        self._seen_rv = -1

    def tick(self) -> None:
        store = self._store
        with store.cond:
            if store.rv == self._seen_rv:
                return
            self._seen_rv = store.rv
            for stored in store.query(REPLICASET, None)[0]:
                rs = stored.obj
                uid = rs["metadata"]["uid"]
                if uid not in self.mismatching:
                    self.mismatching[uid] = self._judge(rs)

    def _judge(self, rs: Obj) -> bool:
        ns = rs["metadata"]["namespace"]
        app = (rs["metadata"].get("labels") or {}).get("app", "")
        deployment = self._store.get(DEPLOYMENT, ns, app)
        if deployment is None:
            return False
        expected = (deployment.obj["metadata"].get("annotations") or {}).get(EXPECTED_SHA256)
        if not expected:
            return False
        loaded = self._value(ns, rs["spec"]["template"]["spec"]["containers"][0])
        return loaded is None or fingerprint(loaded) != expected

    def _value(self, ns: str, container: Obj) -> bytes | None:
        for env in container.get("env") or ():
            if not env["name"].endswith("_WEBHOOK_SECRET"):
                continue
            source = env.get("valueFrom") or {}
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                found = self._store.get(SECRET, ns, ref["name"])
                raw = (found.obj.get("data") or {}).get(ref["key"]) if found else None
                try:
                    return base64.b64decode(raw, validate=True) if raw else None
                except (binascii.Error, ValueError):
                    return None
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                found = self._store.get(CONFIGMAP, ns, ref["name"])
                text = (found.obj.get("data") or {}).get(ref["key"]) if found else None
                return text.encode() if text else None
        return None
