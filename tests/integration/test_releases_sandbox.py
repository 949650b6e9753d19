"""Release history, Argo CD and drift through the sandbox API server: the real kubectl reads
the Helm release Secrets by label, the console's source watches them, and kubectl's own edits
(set image / set resources / set env) show up as drift."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oc_console.analysis.drift import adapter_release
from oc_console.analysis.ownership import rollback_ownership
from oc_console.analysis.release_findings import release_findings
from oc_console.config import KubernetesConfig
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.releases import HELM_KIND
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.kube import releases as sandbox_releases
from oc_console.sources.kube.client import connect
from oc_console.sources.kube.helm import HelmDecoder, release_row
from oc_console.sources.kube.kinds import SECRETS, SecretRows, helm_rows
from oc_console.sources.kube.source import KubeSource, kind_specs
from oc_console.sources.kube.watch import WatchCache
from tests.integration.kube_fixtures import Kubectl, start_sandbox
from tests.integration.test_kube_source import until
from tests.memory import holders

pytestmark = pytest.mark.integration
AMAZON = "openclaw-adapter-amazon"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = start_sandbox(tmp_path / "kube")
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


def helm_decoder(source: KubeSource) -> HelmDecoder:
    cache = source._cache
    assert cache is not None
    rows = next(s.spec.parse for s in cache.streams if s.spec.kind == SECRETS)
    assert isinstance(rows, SecretRows)  # one Secrets stream feeds the Helm history
    return rows.helm


def test_kubectl_lists_the_release_secrets_by_label(kubectl: Kubectl) -> None:
    listed = kubectl.json("get", "secrets", "-n", "openclaw", "-l", "owner=helm")
    names = sorted(s["metadata"]["name"] for s in listed["items"])
    assert len(names) == 6 * 3 + 2  # six Helm-owned adapters, two failed shopee upgrades
    assert "sh.helm.release.v1.openclaw-adapter-shopee.v5" in names
    assert not any("tiktok" in n for n in names)  # Argo CD deploys tiktok
    rows = [release_row(s) for s in listed["items"]]
    assert all(r is not None and r.error is None for r in rows)
    # the first revision predates gzip compression; the others are gzipped
    first = next(s for s in listed["items"] if s["metadata"]["name"].endswith("amazon.v1"))
    later = next(s for s in listed["items"] if s["metadata"]["name"].endswith("amazon.v3"))
    assert base64.b64decode(base64.b64decode(first["data"]["release"]))[:1] == b"{"
    assert base64.b64decode(base64.b64decode(later["data"]["release"]))[:3] == b"\x1f\x8b\x08"
    failed = kubectl.json("get", "secrets", "-n", "openclaw", "-l", "owner=helm,status=failed")
    assert [s["metadata"]["labels"]["version"] for s in failed["items"]] == ["4", "5"]
    apps = kubectl.json("get", "applications.argoproj.io", "-n", "argocd")
    assert [a["metadata"]["name"] for a in apps["items"]] == ["openclaw-adapter-tiktok"]


def _has_release_facts(s: FleetSnapshot) -> bool:
    return len(s.helm) == 20 and bool(s.argo_apps) and s.api_groups is not None


async def test_the_source_reads_releases_argo_and_discovery(source: KubeSource) -> None:
    snap = await until(source, _has_release_facts)
    ids = {(f.id, f.subject) for f in release_findings(snap, datetime.now(UTC))}
    assert ids == {
        ("argocd-auto-sync", "openclaw/openclaw-adapter-tiktok"),
        ("crd-v1alpha1", "connectors.openclaw.io"),
        ("release-drift", "openclaw/openclaw-adapter-shopee"),
        ("release-drift", "openclaw/openclaw-adapter-walmart"),
        ("release-failed", "openclaw/openclaw-adapter-shopee"),
    }
    assert helm_decoder(source).decoded == 20
    # the values each revision was installed with hold a password: nothing keeps it
    assert sandbox_releases.VALUES_PASSWORD not in repr(snap)
    assert holders(source, sandbox_releases.VALUES_PASSWORD) == []


def test_a_relist_decodes_nothing_again(sandbox: KubeSandbox) -> None:
    cfg = KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5)
    spec = next(s for s in kind_specs(cfg) if s.kind == SECRETS)
    assert isinstance(spec.parse, SecretRows)
    decoder = spec.parse.helm
    client = connect(cfg)
    cache = WatchCache(client, [spec], cfg.namespaces, cfg.timeout_seconds)
    try:
        cache.start()
        assert cache.wait_settled(10) and len(helm_rows(cache)) == 20
        assert decoder.decoded == 20
        # a 410 Gone on the resumed watch: the stream lists every Secret again
        sandbox.faults.expire_next_watch = True
        sandbox.faults.drop_watches()
        deadline = time.monotonic() + 10
        while not cache.streams[0].relists and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cache.streams[0].relists == 1
        assert cache.wait_settled(10) and len(helm_rows(cache)) == 20
        assert decoder.decoded == 20  # same resourceVersions: from the cache
    finally:
        cache.stop()
        client.close()


async def test_kubectl_edits_show_as_exact_drift(source: KubeSource, kubectl: Kubectl) -> None:
    await until(source, _has_release_facts)
    image = "registry.openclaw.io/adapter-amazon:hotfix"
    deploy = f"deployment/{AMAZON}"
    kubectl.run("-n", "openclaw", "set", "image", deploy, f"adapter={image}")
    kubectl.run(
        "-n", "openclaw", "set", "resources", deploy, "-c", "adapter", "--limits=memory=1Gi"
    )
    kubectl.run("-n", "openclaw", "set", "env", deploy, "-c", "adapter", "AMAZON_SP_API_REGION=eu")

    def drift(s: FleetSnapshot) -> list[tuple[str, str, str]]:
        amazon = next(a for a in s.adapters if a.name == AMAZON)
        return [(d.what, d.helm, d.live) for d in adapter_release(s, amazon).drift]

    snap = await until(source, lambda s: len(drift(s)) == 3, timeout=10)
    pinned_before = next(d for d in drift(snap) if d[0] == "image")[1]
    assert "@sha256:" in pinned_before
    assert drift(snap) == [
        ("image", pinned_before, image),
        ("limits.memory", "512Mi", "1Gi"),
        ("env AMAZON_SP_API_REGION", "unset", "set"),
    ]
    amazon = next(a for a in snap.adapters if a.name == AMAZON)
    changed = adapter_release(snap, amazon).drift[0].since
    assert changed is not None and (datetime.now(UTC) - changed).total_seconds() < 60
    # the kubectl edits made one ReplicaSet revision or more; one with the hotfix image is
    # none of Helm's
    owner = rollback_ownership(snap, amazon)
    previous = next(r for r in amazon.revisions if r.revision == owner.to_revision)
    if image in previous.images:
        assert owner.helm_revision is None and "applied outside Helm" in owner.warnings[0]
    # the undo that fixes it goes back to revision 2, the ReplicaSet Helm revision 3 rendered
    owner = rollback_ownership(snap, amazon, to_revision=2)
    assert owner.helm_revision == 3
    assert owner.helm_command == "helm rollback openclaw-adapter-amazon 3 -n openclaw"


async def test_denied_release_secrets_are_cannot_see(
    source: KubeSource, sandbox: KubeSandbox
) -> None:
    sandbox.faults.deny("list", "secrets")
    snap = await until(source, lambda s: any(w.error for w in s.watches if HELM_KIND in w.feeds))
    error = next(w.error for w in snap.watches if HELM_KIND in w.feeds)
    assert error is not None and error.startswith("403: cannot list secrets")
    found = [f for f in release_findings(snap, datetime.now(UTC)) if f.id.startswith("release")]
    assert [f.id for f in found] == ["releases-not-visible"]
    amazon = next(a for a in snap.adapters if a.name == AMAZON)
    assert adapter_release(snap, amazon).note == f"cannot see Helm releases: {error}"
    sandbox.faults.allow("list", "secrets")
    await asyncio.sleep(0)


def test_check_reports_release_findings(sandbox: KubeSandbox, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
    env.update({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"})
    env["COLUMNS"] = "300"  # one finding a line
    kube = ["--kubeconfig", str(sandbox.kubeconfig_path)]
    done = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "--json", *kube],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr  # the crash loop is critical
    findings = json.loads(done.stdout)["findings"]
    failed = next(f for f in findings if f["id"] == "release-failed")
    failed.pop("urgency", None)  # how soon it matters is the ranking's, not this test's
    assert failed == {
        "id": "release-failed",
        "severity": "warning",
        "subject": "openclaw/openclaw-adapter-shopee",
        "summary": failed["summary"],
        "evidence": failed["evidence"],
        "runbook": "adapter-crashloop",
        "pages": [],  # no Alertmanager here: no alert names it
    }
    assert {"release-drift", "argocd-auto-sync", "crd-v1alpha1"} <= {f["id"] for f in findings}
    text = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", *kube],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert "connectors.openclaw.io" in text.stdout
    assert "Argo CD app openclaw-adapter-tiktok auto-syncs, against the policy" in text.stdout
