"""TLS as served, against real TLS servers started here (Python's ssl on threads, chains made
with `cryptography`); what cert-manager issued is read by the Kubernetes source's own parsers
from the objects cert-manager writes."""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oc_console.analysis.tls import tls_findings
from oc_console.config import TlsConfig
from oc_console.domain.findings import Severity
from oc_console.domain.kube import CertStatus
from oc_console.domain.tls import TlsEndpoint
from oc_console.sources.kube import certs
from oc_console.sources.kube.tls_secrets import parse_without_key
from oc_console.sources.tls_probe import TlsProbeSource, probe
from tests.hang_servers import SilentListener
from tests.tls_servers import Chain, TlsServer, make_chain

pytestmark = pytest.mark.integration
HOST = "localhost"
V12, V13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3


def _source(*ports: int, timeout: float = 2.0) -> TlsProbeSource:
    return TlsProbeSource(
        TlsConfig(endpoints=tuple(f"{HOST}:{p}" for p in ports), timeout_seconds=timeout)
    )


def _unmanaged(chain: Chain) -> tuple[CertStatus, ...]:
    """A TLS Secret no Certificate covers: read in full (key dropped) by the source."""
    facts, error = parse_without_key(chain.tls_secret("openclaw", "api-tls"))
    assert error is None
    return certs.join_certificates([], {("openclaw", "api-tls"): (facts, None)})


def _issued_by_cert_manager(not_after: datetime) -> tuple[CertStatus, ...]:
    """A Certificate whose Secret was renewed: its status says the new certificate's expiry
    (a covered Secret is never read in full)."""
    row = certs.parse_certificate(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"namespace": "openclaw", "name": "api"},
            "spec": {"secretName": "api-tls", "dnsNames": [HOST], "renewBefore": "336h"},
            "status": {
                "notAfter": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }
    )
    return certs.join_certificates([row], {("openclaw", "api-tls"): (None, None)})


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Chain, Path, Path]:
    made = make_chain(HOST, datetime.now(UTC) + timedelta(days=60), serial=0xC0FFEE)
    cert, key = made.write(tmp_path_factory.mktemp("tls"), "served")
    return made, cert, key


def test_a_server_that_still_allows_tls12_is_a_warning(chain: tuple[Chain, Path, Path]) -> None:
    made, cert, key = chain
    with TlsServer(cert, key, minimum=V12) as server:
        snap = _source(server.port).read()
    [p] = snap.probes
    assert (p.error, p.version, p.accepts_tls12, p.accepts_legacy) == (None, "TLSv1.3", True, False)
    assert server.handshakes == ["TLSv1.3", "TLSv1.2"]  # the legacy offer was refused
    [finding] = tls_findings(snap, _unmanaged(made), datetime.now(UTC))
    assert (finding.id, finding.severity, finding.subject) == (
        "tls-1.2-accepted",
        Severity.WARNING,
        f"{HOST}:{server.port}",
    )
    assert finding.evidence[0] == (
        "config tls.endpoints: negotiated TLSv1.3; offered only TLS 1.2: accepted; "
        "offered only TLS 1.0/1.1: refused"
    )
    assert finding.evidence[1].startswith("served: serial c0ffee, expires ")
    assert finding.evidence[2] == "chain: CN=localhost <- CN=openclaw-test-ca"


def test_a_server_that_serves_only_tls13_its_secrets_certificate_is_all_well(
    chain: tuple[Chain, Path, Path],
) -> None:
    made, cert, key = chain
    with TlsServer(cert, key, minimum=V13) as server:
        snap = _source(server.port).read()
    [p] = snap.probes
    assert (p.version, p.accepts_tls12, p.accepts_legacy) == ("TLSv1.3", False, False)
    assert p.cert is not None and p.cert.not_after == made.not_after
    issued = _unmanaged(made)
    assert issued[0].tls is not None
    assert p.cert.fingerprint_sha256 == issued[0].tls.fingerprint_sha256
    assert tls_findings(snap, issued, datetime.now(UTC)) == []


def test_a_certificate_older_than_its_secret_is_critical(tmp_path: Path) -> None:
    """cert-manager renewed the Secret (90 more days); the server still has the old one."""
    old = make_chain(HOST, datetime.now(UTC) + timedelta(days=5), serial=0x01D)
    cert, key = old.write(tmp_path, "old")
    renewed_until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=90)
    with TlsServer(cert, key, minimum=V13) as server:
        snap = _source(server.port).read()
    [finding] = tls_findings(snap, _issued_by_cert_manager(renewed_until), datetime.now(UTC))
    assert (finding.id, finding.severity) == ("tls-stale-certificate", Severity.CRITICAL)
    assert "before the one its Secret openclaw/api-tls holds" in finding.summary
    assert finding.target is not None and finding.target.params == {
        "certificate": "api",
        "namespace": "openclaw",
    }
    issued_line = next(e for e in finding.evidence if e.startswith("issued"))
    assert issued_line.startswith("issued (Certificate openclaw/api, Secret openclaw/api-tls)")
    assert finding.hurts_in is not None and 4 * 86400 < finding.hurts_in < 5 * 86400


def test_a_server_that_still_speaks_tls11_is_critical(chain: tuple[Chain, Path, Path]) -> None:
    made, cert, key = chain
    with TlsServer(cert, key, minimum=ssl.TLSVersion.TLSv1) as server:
        snap = _source(server.port).read()
    [p] = snap.probes
    if p.accepts_legacy is None:
        pytest.skip("this OpenSSL cannot offer TLS 1.0/1.1 even at security level 0")
    findings = tls_findings(snap, _unmanaged(made), datetime.now(UTC))
    assert [(f.id, f.severity) for f in findings] == [("tls-below-1.2", Severity.CRITICAL)]


def test_a_probe_is_cached_for_a_minute(chain: tuple[Chain, Path, Path]) -> None:
    _, cert, key = chain
    with TlsServer(cert, key, minimum=V13) as server:
        source = _source(server.port)
        first = source.read()
        second = source.read()
    assert source.probed == 1 and len(server.handshakes) == 1
    assert second.probes == first.probes


def test_a_silent_or_closed_endpoint_is_one_line_within_the_deadline() -> None:
    with SilentListener() as silent:
        closed = TlsEndpoint(HOST, silent.port + 1 if silent.port < 65535 else 1, "config")
        started = time.monotonic()
        hung = probe(TlsEndpoint(HOST, silent.port, "config tls.endpoints"), timeout=0.5)
        assert time.monotonic() - started < 2
    assert hung.error == f"{HOST}:{silent.port}: no answer within the deadline"
    refused = probe(closed, timeout=0.5)
    assert refused.error is not None and "\n" not in refused.error
    snap = _source(silent.port, timeout=0.5).read()
    [finding] = tls_findings(snap, (), datetime.now(UTC))
    assert (finding.id, finding.severity) == ("tls-probe-failed", Severity.WARNING)
