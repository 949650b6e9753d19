"""TLS findings through the real command: `check --json` against the sandbox API server and a
real TLS server named in the config's `tls.endpoints`."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oc_console.config import KubernetesConfig, TlsConfig
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sources.tls_probe import KubeIngresses, TlsProbeSource
from tests.integration.kube_fixtures import start_sandbox
from tests.tls_servers import TlsServer, make_chain

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[KubeSandbox]:
    sb = start_sandbox(tmp_path / "kube")
    try:
        yield sb
    finally:
        sb.stop()


def test_a_cluster_that_serves_no_ingresses_has_no_ingress_endpoints(
    sandbox: KubeSandbox,
) -> None:
    kube = KubernetesConfig(kubeconfig=str(sandbox.kubeconfig_path), timeout_seconds=5)
    ingresses = KubeIngresses(kube, {})
    try:
        source = TlsProbeSource(TlsConfig(endpoints=("localhost:1",)), ingresses)
        endpoints, error = source.endpoints()
    finally:
        ingresses.close()
    assert error is None  # networking.k8s.io not served (404): none, not "cannot see"
    assert [e.key for e in endpoints] == ["localhost:1"]


def test_check_json_carries_the_tls_findings_with_their_evidence(
    sandbox: KubeSandbox, tmp_path: Path
) -> None:
    chain = make_chain("localhost", datetime.now(UTC) + timedelta(days=60))
    cert, key = chain.write(tmp_path, "served")
    with TlsServer(cert, key, minimum=ssl.TLSVersion.TLSv1_2) as server:
        config = tmp_path / "config.toml"
        config.write_text(f'[tls]\nendpoints = ["localhost:{server.port}"]\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG"))}
        env.update({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"})
        done = subprocess.run(
            [sys.executable, "-m", "oc_console.cli", "check", "--json", "--config", str(config),
             "--kubeconfig", str(sandbox.kubeconfig_path)],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
    assert done.returncode in (1, 2), done.stderr
    findings = json.loads(done.stdout)["findings"]
    [tls] = [f for f in findings if f["id"].startswith("tls-")]
    assert (tls["id"], tls["severity"], tls["subject"]) == (
        "tls-1.2-accepted",
        "warning",
        f"localhost:{server.port}",
    )
    assert tls["evidence"][0] == (
        "config tls.endpoints: negotiated TLSv1.3; offered only TLS 1.2: accepted; "
        "offered only TLS 1.0/1.1: refused"
    )
    assert tls["evidence"][2] == "chain: CN=localhost <- CN=openclaw-test-ca"
