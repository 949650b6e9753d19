"""kubernetes.io/tls Secrets, read only as far as the Certificates screen needs them.

The Secrets are listed and watched as a Table of metadata and type (the one Secrets stream,
kinds.py), never their data. One that a cert-manager Certificate covers (its spec.secretName)
is never read: the Certificate's status says when it expires. One that no Certificate covers
is fetched alone, in full, once per resourceVersion; its `tls.key` is dropped before the
certificate is parsed, and only the certificate's public facts are kept.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import orjson

from oc_console.domain.kube import TlsFacts
from oc_console.sources.kube import certs
from oc_console.sources.kube.client import KubeClient, describe_error, get
from oc_console.sources.kube.watch import WatchCache

Obj = dict[str, Any]
_EMPTY: Obj = {}
TLS_TYPE = "kubernetes.io/tls"
CERTIFICATES, TLS_SECRETS = "certificates.cert-manager.io", "secrets"  # stream kinds
SECRET_PATH = "/api/v1/namespaces/{namespace}/secrets/{name}"
FETCHED_KEEP = 1_000
RETRY_FAILED = 60.0  # a Secret whose read failed is tried again this often
Key = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A TLS Secret as its metadata names it."""

    namespace: str
    name: str
    resource_version: str


def secret_ref(obj: Obj) -> SecretRef:
    """The metadata-only stream's row: no `data` ever reaches this (PartialObjectMetadata)."""
    meta = obj.get("metadata") or _EMPTY
    return SecretRef(
        meta.get("namespace") or "",
        meta.get("name") or "?",
        str(meta.get("resourceVersion") or ""),
    )


def parse_without_key(obj: Obj) -> tuple[TlsFacts | None, str | None]:
    """Facts of a full Secret, with its private key taken out of `obj` before anything else
    reads it, so no copy of the key outlives this call."""
    data = obj.get("data")
    if isinstance(data, dict):
        data.pop("tls.key", None)
    if obj.get("type") != TLS_TYPE:
        return None, f"the Secret is of type {obj.get('type') or 'unknown'}, not {TLS_TYPE}"
    _, _, facts, error = certs.parse_tls_secret(obj)
    return facts, error


@dataclass
class _Read:
    resource_version: str
    facts: TlsFacts | None
    error: str | None
    at: float
    failed: bool = False  # the GET failed (not the certificate): worth another try later


class TlsReader:
    """The facts of the TLS Secrets no Certificate covers, each read by one GET per
    resourceVersion. Called while a snapshot is assembled; thread-safe."""

    def __init__(self, client: KubeClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout
        self._reads: dict[Key, _Read] = {}
        self._lock = threading.Lock()
        # the Secrets read in full, newest last (tests, bench); bounded for a shift-long console
        self.fetched: deque[Key] = deque(maxlen=FETCHED_KEEP)

    def facts(
        self, refs: list[SecretRef], covered: set[Key] | None
    ) -> dict[Key, certs.SecretFacts]:
        """(facts, error) per TLS Secret. A covered Secret is (None, None): it exists, and
        its Certificate says the rest. `covered` None: the Certificates are not known yet,
        so nothing is read in full."""
        out: dict[Key, certs.SecretFacts] = {}
        with self._lock:
            present = {(r.namespace, r.name) for r in refs}
            for key in [k for k in self._reads if k not in present]:
                del self._reads[key]  # deleted Secrets
            for ref in refs:
                key = (ref.namespace, ref.name)
                if covered is None:
                    out[key] = (None, "not read: the Certificates are not listed yet")
                elif key in covered:
                    self._reads.pop(key, None)  # covered now: forget what was read
                    out[key] = (None, None)
                else:
                    read = self._read(ref)
                    out[key] = (read.facts, read.error)
        return out

    def _read(self, ref: SecretRef) -> _Read:
        key = (ref.namespace, ref.name)
        read = self._reads.get(key)
        if read is not None and read.resource_version == ref.resource_version:
            retry = read.failed and time.monotonic() - read.at >= RETRY_FAILED
            if not retry:
                return read
        self.fetched.append(key)
        failed = False
        try:
            facts, error = parse_without_key(self._get(ref))
        except Exception as exc:
            facts, failed = None, True
            error = describe_error(exc, self._client, "get", "secrets", ref.namespace)
        read = _Read(ref.resource_version, facts, error, time.monotonic(), failed)
        self._reads[key] = read
        return read

    def _get(self, ref: SecretRef) -> Obj:
        response = get(
            self._client,
            SECRET_PATH,
            {},
            (self._timeout, self._timeout),
            namespace=ref.namespace,
            name=ref.name,
        )
        try:
            body = response.read()
        finally:
            response.release_conn()
        obj = orjson.loads(body)
        del body  # the raw bytes hold the key too
        return obj if isinstance(obj, dict) else {}


def covered(cache: WatchCache, certificates: list[certs.CertificateRow]) -> set[Key] | None:
    """The Secrets a Certificate names; None while a Certificates list is still due (a
    Secret read in full now might turn out to be covered). cert-manager not installed, or
    its Certificates not allowed to be seen: nothing is known to cover any Secret."""
    for stream in cache.streams:
        due = stream.state not in ("unavailable", "denied")
        if stream.spec.kind == CERTIFICATES and not stream.synced and due:
            return None
    return {(c.namespace, c.secret) for c in certificates if c.secret}


def secret_facts(
    cache: WatchCache, certificates: list[certs.CertificateRow], reader: TlsReader | None
) -> dict[Key, certs.SecretFacts]:
    """(facts, error) per TLS Secret in the cache, for `certs.join_certificates`."""
    # the one Secrets stream holds every type's rows: the TLS ones are SecretRefs
    refs = [r for r in cache.rows(TLS_SECRETS) if isinstance(r, SecretRef)]
    known = covered(cache, certificates)
    if reader is not None:
        return reader.facts(refs, known)
    # no reader (a cache without a source): covered Secrets exist, the others stay unread
    return {
        (r.namespace, r.name): (None, None)
        if known is not None and (r.namespace, r.name) in known
        else (None, "not read")
        for r in refs
    }
