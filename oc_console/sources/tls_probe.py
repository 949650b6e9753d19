"""TLS as served: a handshake with each endpoint the platform serves, the way a client sees it.

Three handshakes per endpoint: one offering every version (what it negotiates, and the
certificate and chain it serves), one offering only TLS 1.2 (is 1.2 still accepted?), and one
offering only TLS 1.0/1.1 at OpenSSL's lowest security level (is anything older accepted?).
Nothing is verified: the point is to see what is served, expired or untrusted included.

Endpoints are the Ingresses' `spec.tls[].hosts` (port 443) and `tls.endpoints` from the config.
Each probe runs in a worker thread, has a short deadline per socket operation and one for the
whole fetch, and is kept for `tls.refresh_seconds` (a minute): a handshake is cheap for us but
counts on someone else's ingress.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from oc_console.config import Config, KubernetesConfig, TlsConfig
from oc_console.domain.tls import ServedCert, TlsEndpoint, TlsProbe, TlsSnapshot, split_host_port
from oc_console.errors import SourceError
from oc_console.sanitize import clean

Obj = dict[str, Any]
HTTPS_PORT = 443
WORKERS = 4  # endpoints probed at once
INGRESSES = "/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses"
_DER = 2  # _ssl.ENCODING_DER, for the private chain accessor (public only from Python 3.13)
# Creating a context for TLS 1.0/1.1 warns (the versions are deprecated): that is the point
# here, and warnings' filters are process-wide, so only one thread changes them at a time.
_LEGACY_LOCK = threading.Lock()


def _context(minimum: ssl.TLSVersion | None, maximum: ssl.TLSVersion | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # see what is served, trusted or not
    if maximum is None or maximum >= ssl.TLSVersion.TLSv1_2:
        if minimum is not None:
            ctx.minimum_version = minimum
        if maximum is not None:
            ctx.maximum_version = maximum
        return ctx
    with _LEGACY_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = maximum
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # else OpenSSL 3 refuses to offer them at all
    return ctx


def handshake(
    endpoint: TlsEndpoint,
    timeout: float,
    minimum: ssl.TLSVersion | None = None,
    maximum: ssl.TLSVersion | None = None,
) -> tuple[str | None, list[bytes]]:
    """(negotiated version, DER certificates leaf first). ssl.SSLError: the server refused
    what was offered; OSError: it could not be reached."""
    ctx = _context(minimum, maximum)
    sni = None if _is_address(endpoint.host) else endpoint.host
    with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        with ctx.wrap_socket(sock, server_hostname=sni) as tls:
            chain: list[Any] = tls._sslobj.get_unverified_chain() or []  # type: ignore[attr-defined]
            der = [c.public_bytes(_DER) for c in chain]
            if not der:
                leaf = tls.getpeercert(binary_form=True)
                der = [leaf] if leaf else []
            return tls.version(), der


def _is_address(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def served_cert(der: list[bytes]) -> ServedCert | None:
    if not der:
        return None
    certs = [x509.load_der_x509_certificate(d) for d in der]
    leaf = certs[0]
    try:
        ext = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = tuple(ext.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in ext.get_values_for_type(x509.IPAddress)
        )
    except (x509.ExtensionNotFound, ValueError):
        sans = ()
    return ServedCert(
        subject=clean(leaf.subject.rfc4514_string()),
        issuer=clean(leaf.issuer.rfc4514_string()),
        serial=format(leaf.serial_number, "x"),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        fingerprint_sha256=leaf.fingerprint(hashes.SHA256()).hex(":").upper(),
        sans=tuple(clean(s) for s in sans),
        chain=tuple(clean(c.subject.rfc4514_string()) for c in certs),
    )


def _accepts(endpoint: TlsEndpoint, timeout: float, maximum: ssl.TLSVersion) -> bool | None:
    """Whether a handshake offering nothing newer than `maximum` succeeds. None: this
    client's OpenSSL cannot offer it, or the endpoint stopped answering."""
    try:
        handshake(endpoint, timeout, maximum=maximum)
    except ssl.SSLError:
        return False
    except (OSError, ValueError):
        return None
    return True


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer within the deadline"
    if isinstance(exc, ssl.SSLError):
        return f"handshake failed: {exc.reason or exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__


def probe(endpoint: TlsEndpoint, timeout: float) -> TlsProbe:
    """One endpoint's three handshakes; a failure is a row with its reason, never a raise."""
    start = time.monotonic()
    try:
        version, der = handshake(endpoint, timeout)
        cert = served_cert(der)
    except Exception as exc:  # every failure is this endpoint's, in one line
        error = clean(f"{endpoint.key}: {_reason(exc)}")
        return TlsProbe(endpoint, None, None, None, None, error, time.monotonic() - start)
    tls12 = _accepts(endpoint, timeout, ssl.TLSVersion.TLSv1_2)
    legacy = _accepts(endpoint, timeout, ssl.TLSVersion.TLSv1_1)
    return TlsProbe(endpoint, version, tls12, legacy, cert, None, time.monotonic() - start)


# --- where the endpoints come from ---------------------------------------------------------
def _backend(backend: Obj | None) -> str | None:
    service = (backend or {}).get("service") or {}
    port = service.get("port") or {}
    if not service.get("name"):
        return None
    return f"service {service['name']}:{port.get('number') or port.get('name') or '?'}"


def _backend_of(spec: Obj, host: str) -> str | None:
    """The Service the Ingress routes `host` to (its first path), else its default backend."""
    for rule in spec.get("rules") or ():
        if rule.get("host") in (host, None):
            for path in (rule.get("http") or {}).get("paths") or ():
                found = _backend(path.get("backend"))
                if found:
                    return found
    return _backend(spec.get("defaultBackend"))


def ingress_endpoints(obj: Obj) -> list[TlsEndpoint]:
    """The TLS hosts of one networking.k8s.io/v1 Ingress, each with its backend and Secret."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "?")
    out = []
    for tls in spec.get("tls") or ():
        for host in tls.get("hosts") or ():
            if not isinstance(host, str) or not host or host.startswith("*"):
                continue  # a wildcard names no host to connect to
            backend = _backend_of(spec, host)
            origin = f"ingress {namespace}/{name}" + (f" -> {backend}" if backend else "")
            out.append(
                TlsEndpoint(host, HTTPS_PORT, clean(origin), namespace, tls.get("secretName"))
            )
    return out


def config_endpoints(cfg: TlsConfig) -> list[TlsEndpoint]:
    return [TlsEndpoint(*split_host_port(t), "config tls.endpoints") for t in cfg.endpoints]


IngressLister = Callable[[], list[Obj]]  # every Ingress in the watched namespaces


class TlsProbeSource:
    """The `tls` source: every endpoint probed in worker threads, each probe kept a minute."""

    name = "tls"

    def __init__(self, cfg: TlsConfig, ingresses: IngressLister | None = None) -> None:
        self._cfg = cfg
        self._ingresses = ingresses
        self._cache: dict[TlsEndpoint, tuple[float, TlsProbe]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="tls-probe")
        self.probed = 0  # handshake rounds run (tests: the cache holds)

    def endpoints(self) -> tuple[list[TlsEndpoint], str | None]:
        found, error = config_endpoints(self._cfg), None
        if self._ingresses is not None:
            try:
                for obj in self._ingresses():
                    found += ingress_endpoints(obj)
            except SourceError as exc:
                error = f"Ingresses not read: {exc}"
        # one probe per host:port; an Ingress's entry wins, since it names the Secret
        unique: dict[tuple[str, int], TlsEndpoint] = {}
        for e in found:
            if (e.host, e.port) not in unique or e.secret or e.namespace:
                unique[(e.host, e.port)] = e
        return list(unique.values()), error

    def read(self) -> TlsSnapshot:
        """Blocking: run from a worker thread."""
        endpoints, error = self.endpoints()
        if error is not None and not endpoints:
            raise SourceError(error)  # nothing to probe: the source is down, said once
        now = time.monotonic()
        with self._lock:
            due = [
                e
                for e in endpoints
                if e not in self._cache or now - self._cache[e][0] >= self._cfg.refresh_seconds
            ]
        futures = {self._pool.submit(probe, e, self._cfg.timeout_seconds): e for e in due}
        wait_all(futures, timeout=self._deadline(len(due)))
        with self._lock:
            for future, endpoint in futures.items():
                if future.done():
                    self._cache[endpoint] = (now, future.result())
                    self.probed += 1
            probes = tuple(self._cache[e][1] for e in endpoints if e in self._cache)
            for stale in set(self._cache) - set(endpoints):
                del self._cache[stale]
        return TlsSnapshot(probes, datetime.now(UTC), error)

    def _deadline(self, count: int) -> float:
        """Three handshakes each (connect and handshake), WORKERS at a time."""
        rounds = -(-count // WORKERS) if count else 0
        return rounds * 3 * 2 * self._cfg.timeout_seconds

    async def fetch(self) -> TlsSnapshot:
        return await asyncio.to_thread(self.read)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self._ingresses, "close", None)
        if close is not None:
            await asyncio.to_thread(close)


class KubeIngresses:
    """Lists networking.k8s.io/v1 Ingresses in the watched namespaces with a client of its
    own, connected on first use (in the probe's worker thread). A cluster that does not
    serve Ingresses (404) has none; a refusal is the source's error."""

    def __init__(self, cfg: KubernetesConfig, environ: Mapping[str, str]) -> None:
        self._cfg = cfg
        self._environ = environ
        self._client: Any = None

    def __call__(self) -> list[Obj]:
        import orjson

        from oc_console.sources.kube.client import connect, describe_error, get

        if self._client is None:
            self._client = connect(self._cfg, self._environ)  # SourceError: one line
        timeout = (self._cfg.timeout_seconds, self._cfg.timeout_seconds)
        items: list[Obj] = []
        for namespace in self._cfg.namespaces:
            try:
                response = get(self._client, INGRESSES, {}, timeout, namespace=namespace)
                try:
                    body = orjson.loads(response.read())
                finally:
                    response.release_conn()
            except Exception as exc:
                if getattr(exc, "status", None) == 404:
                    continue
                error = describe_error(exc, self._client, "list", "ingresses", namespace)
                raise SourceError(error) from None
            items += [i for i in (body.get("items") or ()) if isinstance(i, dict)]
        return items

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def build(config: Config) -> TlsProbeSource | None:
    """The `tls` source when there is anything to probe: listed endpoints, or a cluster whose
    Ingresses can be read."""
    if not config.tls_configured:
        return None
    ingresses = None
    if config.tls.ingresses and config.kubernetes_configured:
        ingresses = KubeIngresses(config.kubernetes, config.environ)
    return TlsProbeSource(config.tls, ingresses)
