"""TLS as the platform serves it: what a handshake to each endpoint saw.

Only public facts of the served certificates are kept (dates, names, serial, fingerprint):
nothing here can authenticate as anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Protocol names as Python's ssl reports them (SSLSocket.version()), oldest first.
TLS_VERSIONS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def version_rank(version: str | None) -> int:
    """Older protocols rank lower; an unknown name ranks lowest (treated as old)."""
    return TLS_VERSIONS.index(version) if version in TLS_VERSIONS else -1


@dataclass(frozen=True, slots=True)
class TlsEndpoint:
    """One host:port the platform serves TLS on, and where that was learned."""

    host: str
    port: int
    origin: str  # "ingress openclaw/webhook -> service webhook:8443", "config tls.endpoints"
    namespace: str | None = None  # of the Ingress, so its TLS Secret can be found
    secret: str | None = None  # the Ingress's spec.tls[].secretName

    @property
    def key(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class ServedCert:
    """The leaf certificate the endpoint served, and the chain it sent with it."""

    subject: str
    issuer: str
    serial: str  # hex
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str  # hex, colon-separated, as TlsFacts has it
    sans: tuple[str, ...]
    chain: tuple[str, ...]  # each certificate's subject, leaf first


@dataclass(frozen=True, slots=True)
class TlsProbe:
    """One endpoint's handshakes: the one it negotiates, and whether it still takes 1.2 or
    anything older when offered only that."""

    endpoint: TlsEndpoint
    version: str | None  # negotiated when any version is offered
    accepts_tls12: bool | None  # None: not known (the probe failed)
    accepts_legacy: bool | None  # TLS 1.1 or older; None when this client cannot offer it
    cert: ServedCert | None
    error: str | None = None  # the endpoint could not be probed: why, in one line
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class TlsSnapshot:
    probes: tuple[TlsProbe, ...]
    taken_at: datetime
    ingress_error: str | None = None  # the Ingresses could not be listed: why


def split_host_port(text: str) -> tuple[str, int]:
    """`host:port` (`[v6]:port` for an IPv6 address) as (host, port); ValueError says why."""
    host, sep, port = text.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {text!r} (expected e.g. api.openclaw.io:443)")
    if any(c.isspace() or c in "/@" for c in host):
        raise ValueError(f"not a host name: {host!r} in {text!r}")
    return host, int(port)
