"""What of the namespace's Secrets crosses the wire into the console, proved on the wire: the
sandbox API server keeps the bytes it answered for secrets and configmaps, and the source's
memory is searched for the private keys it must never hold."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kubernetes.client.exceptions import ApiException

from oc_console.analysis.changes import fleet_changes
from oc_console.config import KubernetesConfig
from oc_console.domain.changes import RENEWAL
from oc_console.domain.kube import CertStatus, FleetSnapshot
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.kube.tap import Served
from oc_console.sources.kube import tls_secrets
from oc_console.sources.kube.client import METADATA_OBJECT, connect, get
from oc_console.sources.kube.source import KubeSource
from oc_console.sources.kube.tls_secrets import TlsReader
from tests.integration.kube_fixtures import Kubectl, start_sandbox
from tests.integration.test_kube_source import until
from tests.memory import holders

pytestmark = pytest.mark.integration
NS = "openclaw"
UNCOVERED = "legacy-partner-tls"  # made by hand, no cert-manager Certificate names it


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = start_sandbox(tmp_path / "kube")
    sb.tap.capture.update({"secrets", "configmaps"})
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def kubectl(sandbox: KubeSandbox, tmp_path: Path) -> Kubectl:
    return Kubectl(sandbox.kubeconfig_path, tmp_path)


@pytest.fixture
async def source(sandbox: KubeSandbox) -> AsyncIterator[KubeSource]:
    src = KubeSource(
        KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5),
        log_interval=60,
    )
    try:
        yield src
    finally:
        await src.close()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _metadata_only(served: Served) -> bool:
    return "as=PartialObjectMetadata" in served.accept


def _config_names(snap: FleetSnapshot) -> set[str]:
    return {o.name for o in snap.config_objects}


async def test_secrets_cross_as_metadata_and_configmap_values_are_not_kept(
    source: KubeSource, sandbox: KubeSandbox, kubectl: Kubectl
) -> None:
    wanted = {"openclaw-db", "openclaw-webhook-secrets", "openclaw-adapter-settings"}
    snap = await until(source, lambda s: wanted <= _config_names(s))
    # a change while the console watches: the event carries metadata too, never the data
    rotated = _b64("rotated-password-7Qx")
    patch = json.dumps({"data": {"url": _b64("rotated-password-7Qx")}})
    kubectl.run("-n", NS, "patch", "secret", "openclaw-db", "--type", "merge", "-p", patch)
    kubectl.run("-n", NS, "label", "configmap", "openclaw-adapter-settings", "edited=now")
    await until(
        source,
        lambda s: any("MODIFIED" in w.text for w in sandbox.tap.of("configmaps")),
    )
    await until(source, lambda s: any("openclaw-db" in w.text for w in _secret_watches(sandbox)))

    # one Secrets list and watch, as Tables of metadata and type; only Helm releases are read
    # in full, one by one
    secrets = sandbox.tap.of("secrets")
    listed = [s for s in secrets if s.verb in ("list", "watch")]
    assert {s.verb for s in listed} == {"list", "watch"} and _secret_watches(sandbox)
    for served in listed:
        assert "as=Table" in served.accept, served.accept
        assert '"data"' not in served.text
    assert all(s.path.split("/")[-1].startswith("sh.helm.release.v1.") for s in secrets
               if s.verb == "get")  # fmt: skip
    # no value of an Opaque Secret crossed in any answer to the console
    for served in secrets:
        for value in (_b64("postgresql://openclaw@openclaw-db:5432/openclaw"), rotated):
            assert value not in served.text, f"{value} crossed in {served.verb} {served.path}"
    # ConfigMaps cross in full (their keys are checked for credentials), but nothing of
    # their data is kept: not even the name of a key that looks like no credential
    assert {s.verb for s in sandbox.tap.of("configmaps")} >= {"list", "watch"}
    assert holders(source, "QUEUE_BATCH_SIZE") == []
    kinds = {(o.kind, o.name) for o in snap.config_objects}
    assert {("Secret", "openclaw-db"), ("ConfigMap", "openclaw-adapter-settings")} <= kinds


def _secret_watches(sandbox: KubeSandbox) -> list[Served]:
    return [s for s in sandbox.tap.of("secrets") if s.verb == "watch"]


def _tls_secret(directory: Path, name: str) -> tuple[Path, Path, str]:
    """A self-signed certificate and its key on disk, and the key as the API encodes it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.openclaw.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=20))
        .sign(key, hashes.SHA256())
    )
    crt_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    crt_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.write_bytes(pem)
    return crt_path, key_path, base64.b64encode(pem).decode()


def _create_uncovered(kubectl: Kubectl, tmp_path: Path) -> str:
    """The hand-made TLS Secret, created with kubectl; its key as the API encodes it."""
    crt, key, encoded_key = _tls_secret(tmp_path, UNCOVERED)
    made = kubectl.run(
        *("-n", NS, "create", "secret", "tls", UNCOVERED, f"--cert={crt}", f"--key={key}"),
        *("--dry-run=client", "-o", "json"),
    )
    manifest = tmp_path / "secret.json"
    manifest.write_text(made.stdout)
    kubectl.run("create", "--validate=false", "-f", str(manifest))
    return encoded_key


def _reader(source: KubeSource) -> TlsReader:
    reader = source._tls
    assert reader is not None
    return reader


def _cert(snap: FleetSnapshot, name: str) -> CertStatus:
    return next(c for c in snap.certificates if c.name == name)


async def test_tls_secrets_are_read_only_where_no_certificate_covers_them(
    source: KubeSource, sandbox: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    uncovered_key = _create_uncovered(kubectl, tmp_path)
    listed = kubectl.json("-n", NS, "get", "secrets", "--field-selector=type=kubernetes.io/tls")
    covered_keys = {
        s["metadata"]["name"]: s["data"]["tls.key"]
        for s in listed["items"]
        if s["metadata"]["name"] != UNCOVERED
    }
    assert covered_keys, "the sandbox's Certificates have Secrets"
    sandbox.tap.clear()  # from here on, only what the console asked for

    snap = await until(source, lambda s: _cert(s, UNCOVERED).tls is not None)
    legacy = _cert(snap, UNCOVERED)
    assert legacy.tls is not None and not legacy.managed and legacy.tls_error is None
    assert legacy.tls.subject == f"CN={UNCOVERED}.openclaw.example"
    for c in snap.certificates:
        if c.secret in covered_keys:  # the Certificate's status says it all
            assert c.managed and c.tls is None and c.tls_error is None, c
            assert c.not_after is not None and c.issued_at is not None
    assert list(_reader(source).fetched) == [(NS, UNCOVERED)]
    # the Changes screen still shows when each certificate was issued, from the status
    issued = {c.subject for c in fleet_changes(snap) if c.kind == RENEWAL}
    assert {c.key for c in snap.certificates if c.issued_at} <= issued
    assert any(c.secret in covered_keys for c in snap.certificates if c.key in issued)

    # on the wire: names of TLS Secrets, and the one uncovered Secret by itself
    for served in sandbox.tap.of("secrets"):
        full = not _metadata_only(served) and "as=Table" not in served.accept
        helm = served.path.split("/")[-1].startswith("sh.helm.release.v1.")
        assert not full or helm or served.path.endswith(f"/secrets/{UNCOVERED}"), served
    for served in sandbox.tap.of("secrets"):
        for name, covered_key in covered_keys.items():
            assert covered_key not in served.text, f"the key of {name} crossed"
    # in memory: no private key, neither the uncovered one read nor any other
    for needle in [uncovered_key, *covered_keys.values(), "PRIVATE KEY"]:
        assert holders(source, needle) == []

    # a Certificate deleted: its Secret is covered no more, so it is read (once)
    gone = next(c for c in snap.certificates if c.secret in covered_keys)
    kubectl.run("-n", NS, "delete", "certificates.cert-manager.io", gone.name)
    snap = await until(source, lambda s: _cert(s, gone.secret).tls is not None)
    assert not _cert(snap, gone.secret).managed
    assert list(_reader(source).fetched) == [(NS, UNCOVERED), (NS, gone.secret)]
    await source.fetch()
    assert len(_reader(source).fetched) == 2  # once per resourceVersion
    assert holders(source, covered_keys[gone.secret]) == []


def test_a_metadata_request_that_cannot_be_served_is_refused_not_answered_in_full(
    sandbox: KubeSandbox,
) -> None:
    client = connect(KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path)))
    try:
        with pytest.raises(ApiException) as err:  # a list answered as one object: no such form
            get(client, "/api/v1/namespaces/{namespace}/secrets", {}, (5, 5), METADATA_OBJECT,
                namespace=NS)  # fmt: skip
        assert err.value.status == 406
    finally:
        client.close()
    assert not [s for s in sandbox.tap.of("secrets") if '"data"' in s.text]


async def test_a_failed_read_is_said_and_tried_again_later(
    source: KubeSource,
    sandbox: KubeSandbox,
    kubectl: Kubectl,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _create_uncovered(kubectl, tmp_path)
    sandbox.faults.deny("get", "secrets")
    snap = await until(source, lambda s: any(c.name == UNCOVERED for c in s.certificates))
    assert _cert(snap, UNCOVERED).tls_error == (
        "403: cannot get secrets in namespace openclaw (user oncall@openclaw.io)"
    )
    sandbox.faults.allow("get", "secrets")
    snap = await asyncio.to_thread(source.snapshot)
    assert _cert(snap, UNCOVERED).tls is None  # not before RETRY_FAILED has passed
    monkeypatch.setattr(tls_secrets, "RETRY_FAILED", 0.0)
    snap = await asyncio.to_thread(source.snapshot)
    assert _cert(snap, UNCOVERED).tls is not None
    snap = await asyncio.to_thread(source.snapshot)
    assert len(_reader(source).fetched) == 2  # a readable certificate is not read again
