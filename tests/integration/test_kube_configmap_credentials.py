"""A credential in a ConfigMap is a finding that names the key, never its value: proved with
the real `check` against the sandbox API server (whose `webhook` scenario leaves the TikTok
signing secret in a ConfigMap), and a clean ConfigMap gives no finding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.config import KubernetesConfig
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.kube.extras import LEAKED_PARTNER_KEY, LEAKED_SIGNING_SECRET
from oc_console.sources.kube.source import KubeSource
from tests.integration.test_kube_source import until
from tests.memory import holders

pytestmark = pytest.mark.integration
LEAKED = "openclaw/openclaw-adapter-tiktok-webhook"
VALUES = (LEAKED_SIGNING_SECRET, LEAKED_PARTNER_KEY)


def _sandbox(workdir: Path, scenarios: frozenset[str]) -> KubeSandbox:
    return KubeSandbox(workdir, scenarios, ready_delay=0.1, bookmark_interval=0.5).start()


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = _sandbox(tmp_path / "kube", frozenset({"webhook"}))
    try:
        yield sb
    finally:
        sb.stop()


def _check(sandbox: KubeSandbox, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home), "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "--json",
         "--kubeconfig", str(sandbox.kubeconfig_path)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_check_names_the_key_and_never_the_value(webhook: KubeSandbox, tmp_path: Path) -> None:
    webhook.tap.capture.add("configmaps")
    done = _check(webhook, tmp_path)
    found = [f for f in json.loads(done.stdout)["findings"] if f["id"] == "configmap-credential"]
    assert [f["subject"] for f in found] == [LEAKED], done.stderr
    (finding,) = found
    assert finding["severity"] == "warning"
    assert "TIKTOK_WEBHOOK_SECRET" in finding["summary"]
    assert "PARTNER_ROUTING" in finding["summary"]  # by its value's shape, not its name
    assert "CALLBACK_PATH" not in finding["summary"]
    assert any(e.startswith("key TIKTOK_WEBHOOK_SECRET: its name") for e in finding["evidence"])
    # the values crossed the wire (the check needs them) and went no further
    assert any(LEAKED_SIGNING_SECRET in s.text for s in webhook.tap.of("configmaps"))
    for value in VALUES:
        assert value not in done.stdout and value not in done.stderr
    plain = _check_plain(webhook, tmp_path)
    for value in VALUES:
        assert value not in plain


def _check_plain(sandbox: KubeSandbox, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home), "NO_COLOR": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "-o", "wide",
         "--kubeconfig", str(sandbox.kubeconfig_path)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert "openclaw-adapter-tiktok-webhook" in done.stdout, done.stderr
    return done.stdout + done.stderr


async def test_the_source_keeps_key_names_and_no_value(webhook: KubeSandbox) -> None:
    source = KubeSource(
        KubernetesConfig(kubeconfig=str(webhook.kubeconfig_path), timeout_seconds=5),
        log_interval=60,
    )
    try:
        snap = await until(source, lambda s: any(c.credential_keys for c in s.config_objects))
        (leaky,) = [c for c in snap.config_objects if c.credential_keys]
        assert [k for k, _ in leaky.credential_keys] == ["PARTNER_ROUTING", "TIKTOK_WEBHOOK_SECRET"]
        for value in VALUES:
            assert holders(source, value) == []
    finally:
        await source.close()


def test_a_clean_configmap_gives_no_finding(tmp_path: Path) -> None:
    sandbox = _sandbox(tmp_path / "kube", frozenset({"crashloop"}))
    try:
        done = _check(sandbox, tmp_path)
    finally:
        sandbox.stop()
    ids = {f["id"] for f in json.loads(done.stdout)["findings"]}
    assert ids and "configmap-credential" not in ids, done.stderr
