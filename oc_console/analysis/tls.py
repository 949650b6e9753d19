"""TLS as served, against the platform's rule (TLS 1.3 or later on every endpoint) and against
what cert-manager issued.

- TLS 1.2 still accepted: WARNING (the rule is 1.3; 1.2 is not yet broken).
- TLS 1.1 or older negotiated or accepted: CRITICAL.
- The served certificate expires before the one in its Secret: CRITICAL. The Secret was
  renewed and the ingress never reloaded it, so the endpoint goes dark at the old expiry
  while every Certificate reads Ready.
- An endpoint that cannot be probed: WARNING (unknown is not fine).

Pure: a TlsSnapshot and the fleet's certificates in, findings out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import CertStatus
from oc_console.domain.tls import ServedCert, TlsProbe, TlsSnapshot, version_rank

TLS12 = version_rank("TLSv1.2")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _host_matches(host: str, name: str) -> bool:
    if name.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == name[2:]
    return host == name


def issued_for(probe: TlsProbe, certificates: Iterable[CertStatus]) -> CertStatus | None:
    """The certificate the endpoint should serve: its Ingress's Secret, else the one whose
    names cover the host."""
    ep = probe.endpoint
    certs = list(certificates)
    if ep.secret:
        named = [c for c in certs if c.namespace == ep.namespace and c.secret == ep.secret]
        if named:
            return named[0]
    for c in certs:
        names = (*c.dns_names, *(c.tls.sans if c.tls else ()))
        if any(_host_matches(ep.host, n) for n in names):
            return c
    return None


def _served_lines(cert: ServedCert, now: datetime) -> list[str]:
    left = human_duration((cert.not_after - now).total_seconds())
    return [
        f"served: serial {cert.serial}, expires {_when(cert.not_after)} ({left} left), "
        f"sha256 {cert.fingerprint_sha256}",
        f"chain: {' <- '.join(cert.chain)}",
    ]


def _head(probe: TlsProbe) -> str:
    tls12 = {True: "accepted", False: "refused", None: "unknown"}[probe.accepts_tls12]
    legacy = {True: "accepted", False: "refused", None: "not tried"}[probe.accepts_legacy]
    return (
        f"{probe.endpoint.origin}: negotiated {probe.version or '?'}; offered only TLS 1.2: "
        f"{tls12}; offered only TLS 1.0/1.1: {legacy}"
    )


def _evidence(probe: TlsProbe, now: datetime, *extra: str) -> tuple[str, ...]:
    lines = [_head(probe), *extra]
    if probe.cert is not None:
        lines += _served_lines(probe.cert, now)
    return tuple(lines)


def _version_findings(probe: TlsProbe, now: datetime) -> list[Finding]:
    key = probe.endpoint.key
    legacy = probe.accepts_legacy or version_rank(probe.version) < TLS12
    if legacy:
        return [
            Finding(
                "tls-below-1.2",
                Severity.CRITICAL,
                key,
                f"{key} still speaks TLS older than 1.2 "
                f"({probe.version if version_rank(probe.version) < TLS12 else 'when offered'}): "
                "the platform serves TLS 1.3 or later.",
                _evidence(probe, now),
                urgency=Urgency.LATER,
            )
        ]
    if probe.accepts_tls12:
        return [
            Finding(
                "tls-1.2-accepted",
                Severity.WARNING,
                key,
                f"{key} still accepts TLS 1.2 (negotiates {probe.version or '?'} when offered "
                "more): the platform serves TLS 1.3 or later.",
                _evidence(probe, now),
                urgency=Urgency.HYGIENE,
            )
        ]
    return []


def _secret_lines(issued: CertStatus) -> list[str]:
    owner = f"Certificate {issued.key}" if issued.managed else "unmanaged TLS Secret"
    line = f"issued ({owner}, Secret {issued.namespace}/{issued.secret}):"
    if issued.not_after is not None:
        line += f" expires {_when(issued.not_after)}"
    if issued.tls is not None:
        line += f", sha256 {issued.tls.fingerprint_sha256}"
    return [line]


def _stale_finding(probe: TlsProbe, issued: CertStatus | None, now: datetime) -> list[Finding]:
    served = probe.cert
    if served is None or issued is None or issued.not_after is None:
        return []
    if served.not_after >= issued.not_after:
        return []
    key = probe.endpoint.key
    return [
        Finding(
            "tls-stale-certificate",
            Severity.CRITICAL,
            key,
            f"{key} serves a certificate that expires {_when(served.not_after)}, before the "
            f"one its Secret {issued.namespace}/{issued.secret} holds "
            f"({_when(issued.not_after)}): the renewed certificate was never reloaded.",
            _evidence(probe, now, *_secret_lines(issued)),
            urgency=Urgency.SOON,
            hurts_in=(served.not_after - now).total_seconds(),
            target=Target.certificate(issued.namespace, issued.name) if issued.managed else None,
        )
    ]


def _probe_failed(probe: TlsProbe) -> Finding:
    key = probe.endpoint.key
    return Finding(
        "tls-probe-failed",
        Severity.WARNING,
        key,
        f"Cannot handshake with {key}, so its TLS version and certificate are unknown (not fine).",
        (f"{probe.endpoint.origin}: {probe.error}",),
        urgency=Urgency.LATER,
    )


def tls_findings(
    snap: TlsSnapshot, certificates: Iterable[CertStatus], now: datetime
) -> list[Finding]:
    certs = tuple(certificates)
    findings: list[Finding] = []
    if snap.ingress_error:
        findings.append(
            Finding(
                "tls-endpoints-not-visible",
                Severity.WARNING,
                "ingresses",
                "Cannot list the Ingresses, so their TLS endpoints are not probed.",
                (snap.ingress_error,),
                urgency=Urgency.LATER,
            )
        )
    for probe in snap.probes:
        if probe.error is not None:
            findings.append(_probe_failed(probe))
            continue
        findings += _stale_finding(probe, issued_for(probe, certs), now)
        findings += _version_findings(probe, now)
    return findings
