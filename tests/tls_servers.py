"""Real TLS servers for the probe's tests: Python's ssl on a thread, serving a chain made with
`cryptography` (a CA and a leaf for localhost), limited to the protocol versions asked for."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass(frozen=True)
class Chain:
    leaf_pem: bytes
    ca_pem: bytes
    key_pem: bytes
    not_after: datetime

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        cert, key = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert.write_bytes(self.leaf_pem + self.ca_pem)
        key.write_bytes(self.key_pem)
        return cert, key

    def tls_secret(self, namespace: str, name: str) -> dict[str, Any]:
        """The kubernetes.io/tls Secret cert-manager writes for this chain."""
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"namespace": namespace, "name": name, "resourceVersion": "1"},
            "data": {
                "tls.crt": base64.b64encode(self.leaf_pem + self.ca_pem).decode(),
                "tls.key": base64.b64encode(self.key_pem).decode(),
            },
        }


def make_chain(host: str, not_after: datetime, serial: int = 1000) -> Chain:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("openclaw-test-ca"))
        .issuer_name(_name("openclaw-test-ca"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return Chain(
        leaf.public_bytes(pem),
        ca.public_bytes(pem),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        leaf.not_valid_after_utc,
    )


class TlsServer:
    """Accepts connections and completes (or refuses) TLS handshakes until stopped."""

    def __init__(
        self,
        cert: Path,
        key: Path,
        minimum: ssl.TLSVersion,
        maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
    ) -> None:
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(cert, key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._ctx.minimum_version = minimum
            self._ctx.maximum_version = maximum
        if minimum < ssl.TLSVersion.TLSv1_2:
            self._ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses 1.0/1.1 else
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self.handshakes: list[str | None] = []  # each completed handshake's version
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with self._ctx.wrap_socket(conn, server_side=True) as tls:
                    self.handshakes.append(tls.version())
            except (ssl.SSLError, OSError):
                conn.close()  # a refused version: the client sees the alert

    def __enter__(self) -> TlsServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)
