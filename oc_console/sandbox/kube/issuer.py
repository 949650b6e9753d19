"""cert-manager's part the console relies on: when a Certificate carries `Issuing=True` (cmctl
renew sets it with reason ManuallyTriggered), issue a new certificate into its Secret and move
status.notAfter, then drop the Issuing condition and mark it Ready, as the real controller does."""

from __future__ import annotations

import re
import time
from typing import Any

from . import objects
from .certs import _cond, _self_signed
from .resources import CERTIFICATE, EVENT, SECRET
from .store import Store
from .timefmt import rfc3339

Obj = dict[str, Any]
_HOURS = re.compile(r"^(\d+)h")


def _hours(duration: str | None, default: int) -> int:
    match = _HOURS.match(duration or "")
    return int(match.group(1)) if match else default


def _issuing(cert: Obj) -> bool:
    return any(
        c.get("type") == "Issuing" and c.get("status") == "True"
        for c in (cert.get("status") or {}).get("conditions") or ()
    )


class Issuer:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._seen_rv = -1

    def tick(self) -> None:
        store = self._store
        with store.cond:
            if store.rv == self._seen_rv:
                return
            self._seen_rv = store.rv
            for stored in store.query(CERTIFICATE, None)[0]:
                if _issuing(stored.obj):
                    self._issue(stored.copy())

    def _issue(self, cert: Obj) -> None:
        now = time.time()
        spec, meta = cert["spec"], cert["metadata"]
        duration_h = _hours(spec.get("duration"), 2160)
        renew_h = _hours(spec.get("renewBefore"), 360)
        not_after = float(int(now + duration_h * 3600))
        dns = tuple(spec.get("dnsNames") or ("example.invalid",))
        crt, key = _self_signed(dns, now, not_after)
        self._store_secret(meta["namespace"], spec["secretName"], cert, crt, key)
        status = cert.get("status") or {}
        cert["status"] = {
            "conditions": [
                _cond("Ready", True, "Ready", "Certificate is up to date and has not expired", now)
            ],
            "notBefore": rfc3339(now),
            "notAfter": rfc3339(not_after),
            "renewalTime": rfc3339(not_after - renew_h * 3600),
            "revision": int(status.get("revision") or 0) + 1,
        }
        self._store.replace(CERTIFICATE, cert)
        self._store.create(
            EVENT,
            objects.event(cert, "Issuing", "The certificate has been successfully issued", now,
                          component="cert-manager-certificates-issuing"),
        )  # fmt: skip

    def _store_secret(self, ns: str, name: str, cert: Obj, crt: bytes, key: bytes) -> None:
        import base64

        data = {k: base64.b64encode(v).decode() for k, v in
                (("tls.crt", crt), ("tls.key", key), ("ca.crt", crt))}  # fmt: skip
        current = self._store.get(SECRET, ns, name)
        if current is not None:
            secret = current.copy()
            secret["data"] = data
            self._store.replace(SECRET, secret)
            return
        self._store.create(
            SECRET,
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/tls",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "annotations": {"cert-manager.io/certificate-name": cert["metadata"]["name"]},
                },
                "data": data,
            },
        )
