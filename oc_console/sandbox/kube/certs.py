"""cert-manager Certificates, their ClusterIssuer, and the TLS Secrets holding real certs."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .scenarios import NAMESPACE
from .timefmt import rfc3339

Obj = dict[str, Any]
DAY = 86_400.0
ISSUER = "letsencrypt-prod"


@dataclass(frozen=True)
class CertPlan:
    name: str
    dns_names: tuple[str, ...]
    duration_h: int
    renew_before_h: int
    expires_in: float | None  # seconds from now; None: never issued
    failure: str | None = None


def plans(scenarios: frozenset[str]) -> tuple[CertPlan, ...]:
    broken = "cert" in scenarios
    return (
        CertPlan("openclaw-webhook-tls", ("webhook.openclaw.io",), 2160, 360, 61 * DAY),
        # `cert`: five days left and a renewBefore of 24h, far below the 336h policy.
        CertPlan(
            "openclaw-api-tls",
            ("api.openclaw.io", "api.internal.openclaw.io"),
            2160,
            24 if broken else 360,
            5 * DAY if broken else 47 * DAY,
        ),
        # `cert`: a new partner domain whose first issuance keeps failing, so it is not Ready.
        CertPlan(
            "openclaw-partner-tls",
            ("partners.openclaw.io",),
            2160,
            360,
            None if broken else 74 * DAY,
            failure=(
                "The certificate request has failed to complete and will be retried: "
                'Failed to wait for order resource "openclaw-partner-tls-1-3154832094" to '
                'become ready: order is in "errored" state: Failed to create Order: 429 '
                "urn:ietf:params:acme:error:rateLimited: too many certificates already issued"
            )
            if broken
            else None,
        ),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _self_signed(
    dns_names: tuple[str, ...], not_before: float, not_after: float
) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.fromtimestamp(not_before, dt.UTC))
        .not_valid_after(dt.datetime.fromtimestamp(not_after, dt.UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns_names]), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _meta(name: str, created: float, **extra: Any) -> Obj:
    return {
        "name": name,
        "namespace": NAMESPACE,
        "uid": str(uuid.uuid4()),
        "creationTimestamp": rfc3339(created),
        **extra,
    }


def certificate(plan: CertPlan, now: float) -> Obj:
    spec = {
        "secretName": plan.name,
        "dnsNames": list(plan.dns_names),
        "duration": f"{plan.duration_h}h0m0s",
        "renewBefore": f"{plan.renew_before_h}h0m0s",
        "issuerRef": {"name": ISSUER, "kind": "ClusterIssuer", "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }
    status: Obj
    if plan.expires_in is None:
        status = {
            "conditions": [
                _cond(
                    "Ready",
                    False,
                    "DoesNotExist",
                    "Issuing certificate as Secret does not exist",
                    now - 3600,
                ),
                _cond("Issuing", False, "Failed", plan.failure or "", now - 600),
            ],
            "lastFailureTime": rfc3339(now - 600),
            "failedIssuanceAttempts": 4,
        }
    else:
        not_after = now + plan.expires_in
        issued = not_after - plan.duration_h * 3600
        status = {
            "conditions": [
                _cond(
                    "Ready", True, "Ready", "Certificate is up to date and has not expired", issued
                )
            ],
            "notBefore": rfc3339(issued),
            "notAfter": rfc3339(not_after),
            "renewalTime": rfc3339(not_after - plan.renew_before_h * 3600),
            "revision": 3,
        }
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": _meta(plan.name, now - 200 * DAY, generation=1),
        "spec": spec,
        "status": status,
    }


def _cond(kind: str, ok: bool, reason: str, message: str, at: float) -> Obj:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": rfc3339(at),
        "observedGeneration": 1,
    }


def tls_secret(plan: CertPlan, now: float) -> Obj | None:
    if plan.expires_in is None:
        return None
    # Second precision, so the certificate's notAfter equals the Certificate's status.notAfter.
    not_after = float(int(now + plan.expires_in))
    crt, key = _self_signed(plan.dns_names, not_after - plan.duration_h * 3600, not_after)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": _meta(
            plan.name,
            now - 200 * DAY,
            labels={"controller.cert-manager.io/fao": "true"},
            annotations={
                "cert-manager.io/alt-names": ",".join(plan.dns_names),
                "cert-manager.io/certificate-name": plan.name,
                "cert-manager.io/common-name": plan.dns_names[0],
                "cert-manager.io/issuer-group": "cert-manager.io",
                "cert-manager.io/issuer-kind": "ClusterIssuer",
                "cert-manager.io/issuer-name": ISSUER,
            },
        ),
        "data": {"tls.crt": _b64(crt), "tls.key": _b64(key), "ca.crt": _b64(crt)},
    }


def cluster_issuer(now: float) -> Obj:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {
            "name": ISSUER,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 300 * DAY),
            "generation": 1,
        },
        "spec": {
            "acme": {
                "server": "https://acme-v02.api.letsencrypt.org/directory",
                "email": "platform@openclaw.io",
                "privateKeySecretRef": {"name": "letsencrypt-prod-account"},
                "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
            }
        },
        "status": {
            "conditions": [
                _cond(
                    "Ready",
                    True,
                    "ACMEAccountRegistered",
                    "The ACME account was registered with the ACME server",
                    now - 300 * DAY,
                )
            ],
        },
    }
