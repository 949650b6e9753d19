"""cert-manager Certificates and kubernetes.io/tls Secrets -> CertStatus.

A Secret's `tls.crt` is read with `cryptography`; `tls.key` is never decoded, kept or shown:
only the facts of the public certificate survive the parse. Only Secrets no Certificate
covers are read at all (tls_secrets.py): for the others the Certificate's status is enough.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from oc_console.domain.kube import CertStatus, TlsFacts
from oc_console.sources.kube.parse import parse_time

Obj = dict[str, Any]
_EMPTY: Obj = {}

# cert-manager's defaults when spec.duration / spec.renewBefore are unset.
DEFAULT_DURATION = timedelta(days=90)
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "ns": 1e-9,
}


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """The parts of a cert-manager Certificate the console shows."""

    namespace: str
    name: str
    secret: str
    dns_names: tuple[str, ...]
    duration: timedelta | None
    renew_before: timedelta | None
    renew_before_percentage: int | None
    not_after_status: str | None
    not_before_status: str | None
    renewal_time: str | None
    ready: bool
    issuing: bool
    reason: str | None
    message: str | None


def parse_go_duration(value: object) -> timedelta | None:
    """A Go duration string as cert-manager writes them: "336h", "2160h0m0s", "1h30m"."""
    if not isinstance(value, str) or not value:
        return None
    parts = _GO_DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return timedelta(seconds=sum(float(n) * _UNIT[u] for n, u in parts))


def parse_certificate(obj: Obj) -> CertificateRow:
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    ready, issuing, reason, message = False, False, None, None
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
            if not ready:
                reason, message = cond.get("reason"), cond.get("message")
        elif cond.get("type") == "Issuing":
            issuing = cond.get("status") == "True"
    pct = spec.get("renewBeforePercentage")
    return CertificateRow(
        namespace=meta.get("namespace") or "",
        name=meta.get("name") or "?",
        secret=spec.get("secretName") or "",
        dns_names=tuple(spec.get("dnsNames") or ()),
        duration=parse_go_duration(spec.get("duration")),
        renew_before=parse_go_duration(spec.get("renewBefore")),
        renew_before_percentage=pct if isinstance(pct, int) else None,
        not_after_status=status.get("notAfter"),
        not_before_status=status.get("notBefore"),
        renewal_time=status.get("renewalTime"),
        ready=ready,
        issuing=issuing,
        reason=reason,
        message=message,
    )


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def parse_tls_secret(obj: Obj) -> tuple[str, str, TlsFacts | None, str | None]:
    """(namespace, name, facts, error) of a kubernetes.io/tls Secret. Only `tls.crt` is looked
    at; its first PEM block is the leaf certificate."""
    meta = obj.get("metadata") or _EMPTY
    name = meta.get("name") or "?"
    head = meta.get("namespace") or "", name
    encoded = (obj.get("data") or _EMPTY).get("tls.crt")
    if not encoded:
        return (*head, None, "the Secret has no tls.crt")
    try:
        cert = x509.load_pem_x509_certificate(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError) as exc:
        return (*head, None, f"tls.crt is not a readable PEM certificate ({exc})".splitlines()[0])
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = tuple(ext.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in ext.get_values_for_type(x509.IPAddress)
        )
    except (x509.ExtensionNotFound, ValueError):
        sans = ()
    facts = TlsFacts(
        secret=name,
        not_after=cert.not_valid_after_utc,
        not_before=cert.not_valid_before_utc,
        sans=sans,
        issuer=cert.issuer.rfc4514_string(),
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=_fingerprint(cert),
    )
    return (*head, facts, None)


def effective_renew_before(cert: CertificateRow) -> timedelta:
    """When cert-manager renews: spec.renewBefore, else the percentage, else a third of the
    duration (its default)."""
    duration = cert.duration or DEFAULT_DURATION
    if cert.renew_before is not None:
        return cert.renew_before
    if cert.renew_before_percentage is not None:
        return duration * (cert.renew_before_percentage / 100)
    return duration / 3


SecretFacts = tuple[TlsFacts | None, str | None]


def join_certificates(
    certificates: list[CertificateRow], secrets: dict[tuple[str, str], SecretFacts]
) -> tuple[CertStatus, ...]:
    """One CertStatus per Certificate, plus one per TLS Secret no Certificate points at."""
    out: list[CertStatus] = []
    used: set[tuple[str, str]] = set()
    for c in certificates:
        key = (c.namespace, c.secret)
        used.add(key)
        tls, tls_error = secrets.get(key, (None, f"Secret {c.secret} not found"))
        out.append(
            CertStatus(
                namespace=c.namespace,
                name=c.name,
                secret=c.secret,
                dns_names=c.dns_names,
                managed=True,
                not_after=tls.not_after if tls else parse_time(c.not_after_status),
                renewal_time=parse_time(c.renewal_time),
                renew_before=effective_renew_before(c),
                ready=c.ready,
                issuing=c.issuing,
                reason=c.reason,
                message=c.message,
                tls=tls,
                tls_error=tls_error,
                issued_at=tls.not_before if tls else parse_time(c.not_before_status),
            )
        )
    for (namespace, name), (tls, tls_error) in secrets.items():
        if (namespace, name) in used:
            continue
        out.append(
            CertStatus(
                namespace=namespace,
                name=name,
                secret=name,
                dns_names=tls.sans if tls else (),
                managed=False,
                not_after=tls.not_after if tls else None,
                renewal_time=None,
                renew_before=None,
                ready=None,
                issuing=False,
                reason=None,
                message=None,
                tls=tls,
                tls_error=tls_error,
                issued_at=tls.not_before if tls else None,
            )
        )
    return tuple(sorted(out, key=lambda s: (s.namespace, s.name)))
