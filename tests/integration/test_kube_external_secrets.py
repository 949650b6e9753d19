"""ExternalSecrets read through the Kubernetes source from the sandbox API server: one that
fails to sync is a finding with the controller's message and the Secret it should write; a
synced one is none; External Secrets not installed is no finding and no error; a namespace
whose ExternalSecrets may not be listed says it cannot see them. The real kubectl reads the
same objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kube_fixtures import Kubectl

from oc_console.analysis.kube import kube_findings
from oc_console.config import KubernetesConfig
from oc_console.domain.external_secrets import EXTERNAL_SECRET_KIND
from oc_console.domain.kube import FleetSnapshot
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.kube.external_secrets import SIGNING_KEYS
from oc_console.sources.kube.source import KubeSource
from tests.integration.test_kube_source import until

pytestmark = pytest.mark.integration
FAILING = "openclaw/openclaw-adapter-tiktok-webhook"
RULE = "externalsecret-not-synced"


def _sandbox(workdir: Path, scenarios: frozenset[str]) -> KubeSandbox:
    return KubeSandbox(workdir, scenarios, ready_delay=0.1, bookmark_interval=0.5).start()


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = _sandbox(tmp_path / "kube", frozenset({"webhook"}))
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def calm(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = _sandbox(tmp_path / "kube", frozenset({"none"}))
    try:
        yield sb
    finally:
        sb.stop()


def _source(sandbox: KubeSandbox) -> KubeSource:
    config = KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5)
    return KubeSource(config, log_interval=60)


def _listed(snap: FleetSnapshot) -> bool:
    return any(w.kind == EXTERNAL_SECRET_KIND and w.state != "listing" for w in snap.watches)


def _findings(snap: FleetSnapshot, rule: str) -> list[object]:
    return [f for f in kube_findings(snap, datetime.now(UTC)) if f.id == rule]


def _check(sandbox: KubeSandbox, home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home), "NO_COLOR": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "--json",
         "--kubeconfig", str(sandbox.kubeconfig_path)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    doc: dict[str, object] = json.loads(done.stdout)
    for key in SIGNING_KEYS.values():
        assert key not in done.stdout and key not in done.stderr
    return doc


def test_check_names_the_failing_one_its_message_and_its_secret(
    webhook: KubeSandbox, tmp_path: Path
) -> None:
    doc = _check(webhook, tmp_path)
    found = [f for f in doc["findings"] if f["id"] == RULE]  # type: ignore[attr-defined]
    assert [f["subject"] for f in found] == [FAILING]  # the synced Shopify one is not there
    (finding,) = found
    assert "not Ready (SecretSyncedError)" in finding["summary"]
    assert "Secret openclaw-adapter-tiktok-webhook" in finding["summary"]
    evidence = "\n".join(finding["evidence"])
    assert "writes Secret openclaw/openclaw-adapter-tiktok-webhook" in evidence
    assert "not authorized to perform: kms:Decrypt" in evidence
    assert "ClusterSecretStore/openclaw-kms, remote key openclaw/tiktok/webhook-signing-secret" in (
        evidence
    )
    assert finding["runbook"] == "webhook-signature-mismatch"


async def test_a_synced_one_is_read_and_is_no_finding(calm: KubeSandbox) -> None:
    source = _source(calm)
    try:
        snap = await until(source, _listed)
    finally:
        await source.close()
    (shopify,) = snap.external_secrets
    assert (shopify.name, shopify.target, shopify.ready) == (
        "openclaw-adapter-shopify-webhook",
        "openclaw-adapter-shopify-webhook",
        True,
    )
    assert shopify.refs[0].key == "openclaw/shopify/webhook-signing-secret"
    assert _findings(snap, RULE) == [] and _findings(snap, "cannot-see") == []


async def test_not_installed_is_no_finding_and_no_error(calm: KubeSandbox) -> None:
    calm.faults.unserved.add("external-secrets.io")
    source = _source(calm)
    try:
        snap = await until(source, lambda s: _listed(s) and s.api_groups is not None)
    finally:
        await source.close()
    (stream,) = [w for w in snap.watches if w.kind == EXTERNAL_SECRET_KIND]
    assert (stream.state, stream.error) == ("unavailable", None)
    assert snap.external_secrets == ()
    assert _findings(snap, RULE) == [] and _findings(snap, "cannot-see") == []


async def test_not_allowed_to_list_says_it_cannot_see_them(webhook: KubeSandbox) -> None:
    webhook.faults.deny("list", "externalsecrets")
    source = _source(webhook)
    try:
        snap = await until(source, _listed)
    finally:
        await source.close()
    assert snap.external_secrets == () and _findings(snap, RULE) == []
    (blind,) = _findings(snap, "cannot-see")
    assert blind.summary == (  # type: ignore[attr-defined]
        f"cannot see {EXTERNAL_SECRET_KIND} in openclaw: RBAC denies list"
    )


def test_kubectl_reads_the_same_external_secrets(webhook: KubeSandbox, tmp_path: Path) -> None:
    kubectl = Kubectl(webhook.kubeconfig_path, tmp_path)
    names = [i["metadata"]["name"] for i in kubectl.json("get", "externalsecrets")["items"]]
    assert names == ["openclaw-adapter-shopify-webhook", "openclaw-adapter-tiktok-webhook"]
    reason = kubectl.run(
        "get", "es", "openclaw-adapter-tiktok-webhook",
        "-o", "jsonpath={.status.conditions[0].reason}",
    ).stdout  # fmt: skip
    assert reason == "SecretSyncedError"
