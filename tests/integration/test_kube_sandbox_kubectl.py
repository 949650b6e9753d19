"""The real kubectl drives the sandbox's API server: get, rollout, scale, auth, dry run, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kube_fixtures import Kubectl, reset_faults

from oc_console.sandbox.kube import KubeSandbox

pytestmark = pytest.mark.integration

REVISION = "deployment.kubernetes.io/revision"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


@pytest.fixture(autouse=True)
def _faults_off(kube_sandbox: KubeSandbox) -> Iterator[None]:
    yield
    reset_faults(kube_sandbox)


@pytest.fixture(scope="module")
def kubectl(kube_sandbox: KubeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kube_sandbox.kubeconfig_path, tmp_path_factory.mktemp("home"))


def _revision(rs: dict[str, Any]) -> int:
    return int(rs["metadata"]["annotations"][REVISION])


def _by_app(kubectl: Kubectl, kind: str, app: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = kubectl.json("get", kind, "-l", f"app={app}")["items"]
    return items


def _ready(pod: dict[str, Any]) -> bool:
    conds = pod["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conds)


def test_get_lists_every_kind_as_json(kubectl: Kubectl) -> None:
    listed = kubectl.json("get", "deploy,rs,pods,events", "-n", "openclaw")
    kinds = {item["kind"] for item in listed["items"]}
    assert kinds == {"Deployment", "ReplicaSet", "Pod", "Event"}
    deployments = {i["metadata"]["name"] for i in listed["items"] if i["kind"] == "Deployment"}
    assert {f"openclaw-adapter-{p}" for p in ("amazon", "shopee", "shopify")} <= deployments
    assert {"openclaw-webhook", "openclaw-queue"} <= deployments


def test_get_prints_a_table(kubectl: Kubectl) -> None:
    out = kubectl.run("get", "pods", "-l", "app=openclaw-adapter-tiktok").stdout
    lines = out.splitlines()
    assert lines[0].split()[0] == "NAME"
    assert len(lines) == 3 and all(
        line.startswith("openclaw-adapter-tiktok-") for line in lines[1:]
    )


def test_restart_status_undo_and_scale_roll_real_pods(kubectl: Kubectl) -> None:
    app = "openclaw-adapter-amazon"
    old_pods = {p["metadata"]["name"] for p in _by_app(kubectl, "pods", app)}
    old_top = max(_revision(rs) for rs in _by_app(kubectl, "rs", app))
    before = kubectl.json("get", f"deploy/{app}")["spec"]["template"]

    kubectl.run("rollout", "restart", f"deploy/{app}")
    status = kubectl.run("rollout", "status", f"deploy/{app}", "--timeout=30s")
    assert "successfully rolled out" in status.stdout
    pods = _by_app(kubectl, "pods", app)
    assert len(pods) == 3 and all(_ready(p) for p in pods)
    assert not {p["metadata"]["name"] for p in pods} & old_pods
    newest = max(_by_app(kubectl, "rs", app), key=_revision)
    assert _revision(newest) == old_top + 1 and newest["status"]["readyReplicas"] == 3
    assert RESTARTED_AT in newest["spec"]["template"]["metadata"]["annotations"]

    kubectl.run("rollout", "undo", f"deploy/{app}")
    kubectl.run("rollout", "status", f"deploy/{app}", "--timeout=30s")
    deploy = kubectl.json("get", f"deploy/{app}")
    assert deploy["spec"]["template"] == before
    assert deploy["metadata"]["annotations"][REVISION] == str(old_top + 2)

    kubectl.run("scale", f"deploy/{app}", "--replicas=5")
    kubectl.run("rollout", "status", f"deploy/{app}", "--timeout=30s")
    pods = _by_app(kubectl, "pods", app)
    assert len(pods) == 5 and all(_ready(p) for p in pods)


def test_crashloop_rollout_is_stuck_until_undone(kubectl: Kubectl) -> None:
    app = "openclaw-adapter-shopee"
    stuck = kubectl.run("rollout", "status", f"deploy/{app}", "--timeout=10s", check=False)
    assert stuck.returncode == 1
    assert f'deployment "{app}" exceeded its progress deadline' in stuck.stderr
    waiting = [
        p
        for p in _by_app(kubectl, "pods", app)
        if "waiting" in p["status"]["containerStatuses"][0]["state"]
    ]
    assert [p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] for p in waiting] == [
        "CrashLoopBackOff"
    ]
    pod = waiting[0]["metadata"]["name"]
    previous = kubectl.run("logs", pod, "-c", "adapter", "--previous")
    assert "ShopSyncPolicy" in previous.stdout
    events = kubectl.json("get", "events", "--field-selector", f"involvedObject.name={pod}")
    assert "BackOff" in {e["reason"] for e in events["items"]}

    kubectl.run("rollout", "undo", f"deploy/{app}")
    kubectl.run("rollout", "status", f"deploy/{app}", "--timeout=30s")
    deploy = kubectl.json("get", f"deploy/{app}")
    assert "@sha256:" in deploy["spec"]["template"]["spec"]["containers"][0]["image"]
    assert all(_ready(p) for p in _by_app(kubectl, "pods", app))


def test_certificates_by_full_name_and_short_name(kubectl: Kubectl) -> None:
    full = kubectl.json("get", "certificates.cert-manager.io")
    short = kubectl.json("get", "cert")
    names = [c["metadata"]["name"] for c in full["items"]]
    assert names == [c["metadata"]["name"] for c in short["items"]]
    assert {"openclaw-api-tls", "openclaw-partner-tls", "openclaw-webhook-tls"} == set(names)
    api = next(c for c in full["items"] if c["metadata"]["name"] == "openclaw-api-tls")
    assert api["spec"]["renewBefore"] == "24h0m0s"
    secret = kubectl.json("get", "secret", "openclaw-api-tls")
    assert secret["type"] == "kubernetes.io/tls"
    assert {"tls.crt", "tls.key"} <= set(secret["data"])


def test_auth_can_i_and_a_denied_patch(kube_sandbox: KubeSandbox, kubectl: Kubectl) -> None:
    assert kubectl.run("auth", "can-i", "patch", "deployments").stdout.strip() == "yes"
    kube_sandbox.faults.deny("patch", "deployments")
    denied = kubectl.run("auth", "can-i", "patch", "deployments", check=False)
    assert denied.returncode == 1 and denied.stdout.strip() == "no"
    patch = kubectl.run(
        "annotate", "deploy/openclaw-adapter-walmart", "oncall/note=checked", check=False
    )
    assert patch.returncode == 1
    assert (
        'User "oncall@openclaw.io" cannot patch resource "deployments" in API group "apps" '
        'in the namespace "openclaw"'
    ) in patch.stderr
    who = kubectl.run("auth", "whoami", "-o", "json").stdout
    assert '"username": "oncall@openclaw.io"' in who


def test_server_dry_run_writes_nothing(kubectl: Kubectl) -> None:
    app = "openclaw-adapter-coupang"
    before = kubectl.json("get", f"deploy/{app}")
    rs_before = _by_app(kubectl, "rs", app)
    # `rollout restart` has no --dry-run in kubectl 1.37; this is the patch it sends.
    restart = json.dumps(
        {
            "spec": {
                "template": {"metadata": {"annotations": {RESTARTED_AT: "2026-01-01T00:00:00Z"}}}
            }
        }
    )
    preview = kubectl.json("patch", f"deploy/{app}", "-p", restart, "--dry-run=server")
    assert preview["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
    assert preview["metadata"]["generation"] == before["metadata"]["generation"] + 1
    kubectl.run("rollout", "undo", f"deploy/{app}", "--dry-run=server")
    kubectl.run("scale", f"deploy/{app}", "--replicas=9", "--dry-run=server")
    time.sleep(0.3)
    after = kubectl.json("get", f"deploy/{app}")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["spec"] == before["spec"]
    assert len(_by_app(kubectl, "rs", app)) == len(rs_before)


def test_patch_types(kubectl: Kubectl) -> None:
    app = "deploy/openclaw-adapter-lazada"
    merged = kubectl.json(
        "patch",
        app,
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"tier":"gold"}}}',
        "--dry-run=server",
    )
    assert merged["metadata"]["labels"]["tier"] == "gold"
    strategic = kubectl.json(
        "patch",
        app,
        "--dry-run=server",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"adapter","image":"x/y:1"}]}}}}',
    )
    container = strategic["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "x/y:1" and container["env"]  # merged by name, not replaced
    replaced = kubectl.json(
        "patch",
        app,
        "--type=json",
        "--dry-run=server",
        "-p",
        '[{"op":"replace","path":"/spec/replicas","value":4}]',
    )
    assert replaced["spec"]["replicas"] == 4


def test_wrong_token_gets_a_clear_401(kube_sandbox: KubeSandbox, tmp_path: Path) -> None:
    config = yaml.safe_load(kube_sandbox.kubeconfig_path.read_text())
    config["users"][0]["user"]["token"] = "not-the-token"
    bad = tmp_path / "kubeconfig"
    bad.write_text(yaml.safe_dump(config))
    result = Kubectl(bad, tmp_path).run("get", "pods", check=False)
    assert result.returncode == 1
    # What kubectl says to a real API server that rejects the token during discovery.
    assert "error: You must be logged in to the server" in result.stderr
