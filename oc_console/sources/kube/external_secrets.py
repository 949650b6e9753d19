"""External Secrets' ExternalSecrets (external-secrets.io/v1), read for the Secret each one
writes, the store and remote keys it reads, and its Ready condition.

The platform's rule: webhook secrets come from a Secret that External Secrets writes from the
KMS. An ExternalSecret that fails to sync leaves its Secret with stale data, which is how a
fixed key never reaches the adapter. An API server without the CRD answers 404: the stream is
then "unavailable" (External Secrets is not installed), which is not an error; a 403 is one
(cannot see). v1 is what External Secrets serves since 0.16; an older one serving only
v1beta1 is told apart by discovery (analysis/external_secrets.py).
"""

from __future__ import annotations

import sys
from typing import Any

from oc_console.domain.external_secrets import FORCE_SYNC, ExternalSecretState, RemoteRef
from oc_console.sources.kube.parse import parse_time

Obj = dict[str, Any]
_EMPTY: Obj = {}
_intern = sys.intern
PATH = "/apis/external-secrets.io/v1/namespaces/{namespace}/externalsecrets"


def _refs(spec: Obj) -> tuple[RemoteRef, ...]:
    refs = []
    for item in spec.get("data") or ():
        remote = (item or _EMPTY).get("remoteRef") or _EMPTY
        if remote.get("key"):
            refs.append(
                RemoteRef(
                    str(item.get("secretKey") or ""),
                    str(remote["key"]),
                    str(remote.get("property") or ""),
                )
            )
    for item in spec.get("dataFrom") or ():
        extract = (item or _EMPTY).get("extract") or _EMPTY
        if extract.get("key"):
            refs.append(RemoteRef("", str(extract["key"]), str(extract.get("property") or "")))
    return tuple(refs)


def parse_external_secret(obj: Obj) -> ExternalSecretState:
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    store = spec.get("secretStoreRef") or _EMPTY
    ready = next(
        (c for c in status.get("conditions") or () if (c or _EMPTY).get("type") == "Ready"),
        None,
    )
    name = str(meta.get("name") or "?")
    target = (spec.get("target") or _EMPTY).get("name") or name
    state = ready.get("status") if ready else None
    force = (meta.get("annotations") or _EMPTY).get(FORCE_SYNC)
    return ExternalSecretState(
        namespace=_intern(meta.get("namespace") or ""),
        name=name,
        target=str(target),
        store=f"{store.get('kind') or 'SecretStore'}/{store.get('name') or '?'}",
        refs=_refs(spec),
        ready=None if state not in ("True", "False") else state == "True",
        reason=str(ready.get("reason")) if ready and ready.get("reason") else None,
        message=str(ready.get("message")) if ready and ready.get("message") else None,
        refreshed_at=parse_time(status.get("refreshTime")),
        refresh_interval=str(spec["refreshInterval"]) if spec.get("refreshInterval") else None,
        force_sync=str(force) if force else None,
    )
