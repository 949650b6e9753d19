"""kubectl's server-side printing against the sandbox: the real kubectl asks for a Table and
prints the columns a real cluster shows; the raw answer has the shape kube-apiserver gives."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from kube_fixtures import Kubectl, kubectl_path

from oc_console.sandbox.kube import KubeSandbox

pytestmark = pytest.mark.integration

TABLE_V1 = "application/json;as=Table;v=v1;g=meta.k8s.io"
TABLE_V1BETA1 = "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
RESTARTS_AGO = re.compile(r"^\d+ \((\d+[smhd])+ ago\)$")


@pytest.fixture(scope="module")
def kubectl(kube_sandbox: KubeSandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kube_sandbox.kubeconfig_path, tmp_path_factory.mktemp("home"))


def table(out: str) -> tuple[list[str], dict[str, list[str]]]:
    """kubectl's printed table: the header, and each row's cells by its first cell. Cells are
    split on runs of 2+ spaces, as kubectl pads columns with at least three."""
    lines = out.rstrip("\n").splitlines()
    split = [re.split(r"\s{2,}", line.strip()) for line in lines]
    return split[0], {row[0]: row for row in split[1:]}


def raw(sandbox: KubeSandbox, path: str, accept: str) -> Any:
    tls = ssl.create_default_context(cafile=str(sandbox.ca_path))
    request = urllib.request.Request(
        f"{sandbox.url}{path}",
        headers={"Authorization": f"Bearer {sandbox.token}", "Accept": accept},
    )
    with urllib.request.urlopen(request, context=tls, timeout=10) as response:
        return json.loads(response.read())


def test_get_pods_shows_ready_status_restarts_age(kubectl: Kubectl) -> None:
    header, rows = table(kubectl.run("get", "pods", "-n", "openclaw").stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    pods = {
        p["metadata"]["name"]: p for p in kubectl.json("get", "pods", "-n", "openclaw")["items"]
    }
    assert set(rows) == set(pods)
    by_app: dict[str, list[list[str]]] = {}
    for name, row in rows.items():
        by_app.setdefault(pods[name]["metadata"]["labels"]["app"], []).append(row)
    # amazon: two containers each, OOMKilled and restarted, running again
    for row in by_app["openclaw-adapter-amazon"]:
        assert row[1:3] == ["2/2", "Running"] and RESTARTS_AGO.match(row[3]), row
    # shopee: the new release crash-loops next to the old, healthy pods
    shopee = sorted(by_app["openclaw-adapter-shopee"], key=lambda r: r[2])
    assert [r[1:3] for r in shopee] == [["0/1", "CrashLoopBackOff"]] + [["1/1", "Running"]] * 3
    assert RESTARTS_AGO.match(shopee[0][3]) and shopee[0][4].endswith("m")
    for row in by_app["openclaw-adapter-walmart"]:
        assert row[1:] == ["1/1", "Running", "0", row[4]] and row[4] in ("3d", "2d23h")
    restarts = sum(
        s["restartCount"]
        for s in pods[shopee[0][0]]["status"]["containerStatuses"]
    )  # fmt: skip
    assert shopee[0][3].startswith(f"{restarts} (")


def test_get_pods_wide_adds_ip_and_node(kubectl: Kubectl) -> None:
    out = kubectl.run("get", "pods", "-o", "wide", "-l", "app=openclaw-adapter-tiktok").stdout
    header, rows = table(out)
    assert header == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
        "READINESS GATES",
    ]  # fmt: skip
    for pod in kubectl.json("get", "pods", "-l", "app=openclaw-adapter-tiktok")["items"]:
        row = rows[pod["metadata"]["name"]]
        assert row[5:] == [pod["status"]["podIP"], pod["spec"]["nodeName"], "<none>", "<none>"]


def test_sort_by_a_status_field_gets_whole_objects(kubectl: Kubectl) -> None:
    # --sort-by makes kubectl ask for includeObject=Object: the sort needs more than metadata.
    out = kubectl.run("get", "pods", "-o", "wide", "--sort-by=.status.podIP").stdout
    ips = [row[5] for row in table(out)[1].values()]
    assert len(ips) > 10
    assert ips == sorted(ips)


def test_get_deployments_and_replicasets(kubectl: Kubectl) -> None:
    header, rows = table(kubectl.run("get", "deploy", "-n", "openclaw").stdout)
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert rows["openclaw-adapter-amazon"][1:] == ["3/3", "3", "3", "120d"]
    # the crash-looping release: one pod updated, none of it available, the old ones serve
    assert rows["openclaw-adapter-shopee"][1:4] == ["3/3", "1", "3"]

    header, rows = table(kubectl.run("get", "rs", "-l", "app=openclaw-adapter-shopee").stdout)
    assert header == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    cells = sorted(row[1:4] for row in rows.values())
    assert cells == [["0", "0", "0"], ["1", "1", "0"], ["3", "3", "3"]]

    wide = kubectl.run("get", "deploy", "openclaw-adapter-shopee", "-o", "wide").stdout
    header, rows = table(wide)
    assert header[5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert rows["openclaw-adapter-shopee"][5:] == [
        "adapter",
        "registry.openclaw.io/adapter-shopee:2.15.0",
        "app=openclaw-adapter-shopee",
    ]


def test_get_events_and_certificates(kubectl: Kubectl) -> None:
    out = kubectl.run("get", "events", "--field-selector", "reason=BackOff").stdout
    header = re.split(r"\s{2,}", out.splitlines()[0].strip())
    assert header == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    rows = [re.split(r"\s{2,}", line.strip(), maxsplit=4) for line in out.splitlines()[1:]]
    assert rows and all(r[1:3] == ["Warning", "BackOff"] for r in rows)
    shopee = [r for r in rows if r[3].startswith("pod/openclaw-adapter-shopee-")]
    assert len(shopee) == 1
    assert shopee[0][4].startswith("Back-off restarting failed container adapter in pod ")

    header, certs = table(kubectl.run("get", "certificates").stdout)
    assert header == ["NAME", "READY", "SECRET", "AGE"]
    assert certs["openclaw-partner-tls"][1:3] == ["False", "openclaw-partner-tls"]
    assert certs["openclaw-api-tls"][1] == "True"
    header, certs = table(kubectl.run("get", "cert", "-o", "wide").stdout)
    assert header == ["NAME", "READY", "SECRET", "ISSUER", "STATUS", "AGE"]
    assert certs["openclaw-partner-tls"][3:5] == [
        "letsencrypt-prod",
        "Issuing certificate as Secret does not exist",
    ]


def test_raw_table_answers(kube_sandbox: KubeSandbox) -> None:
    path = "/api/v1/namespaces/openclaw/pods?labelSelector=app%3Dopenclaw-adapter-walmart"
    doc = raw(kube_sandbox, path, f"{TABLE_V1},{TABLE_V1BETA1},application/json")
    assert doc["kind"] == "Table" and doc["apiVersion"] == "meta.k8s.io/v1"
    assert int(doc["metadata"]["resourceVersion"]) > 0
    names = [c["name"] for c in doc["columnDefinitions"]]
    assert names[:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert [c["priority"] for c in doc["columnDefinitions"]] == [0] * 5 + [1] * 4
    assert len(doc["rows"]) == 2
    row = doc["rows"][0]
    assert len(row["cells"]) == len(names)
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["apiVersion"] == "meta.k8s.io/v1"
    assert row["object"]["metadata"]["labels"]["app"] == "openclaw-adapter-walmart"
    assert "spec" not in row["object"]

    doc = raw(kube_sandbox, f"{path}&includeObject=Object&limit=1", TABLE_V1BETA1)
    assert doc["apiVersion"] == "meta.k8s.io/v1beta1"
    assert doc["rows"][0]["object"]["kind"] == "Pod" and doc["rows"][0]["object"]["spec"]
    assert doc["metadata"]["remainingItemCount"] == 1 and doc["metadata"]["continue"]

    doc = raw(kube_sandbox, f"{path}&includeObject=None", TABLE_V1)
    assert doc["rows"][0]["object"] is None
    with pytest.raises(urllib.error.HTTPError) as bad:
        raw(kube_sandbox, f"{path}&includeObject=Everything", TABLE_V1)
    assert bad.value.code == 400
    status = json.loads(bad.value.read())
    assert 'includeObject: Unsupported value: "Everything"' in status["message"]
    # without a Table in Accept, the plain list as before
    assert raw(kube_sandbox, path, "application/json")["kind"] == "PodList"


def test_watch_prints_rows_as_pods_roll(kube_sandbox: KubeSandbox, kubectl: Kubectl) -> None:
    app = "openclaw-adapter-coupang"
    watch = subprocess.Popen(
        [kubectl_path(), "--kubeconfig", str(kubectl.kubeconfig), "-n", "openclaw",
         "get", "pods", "-w", "-l", f"app={app}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env,
    )  # fmt: skip
    try:
        assert watch.stdout is not None
        header = re.split(r"\s{2,}", watch.stdout.readline().strip())
        assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        before = {watch.stdout.readline().split()[0] for _ in range(2)}
        kubectl.run("scale", f"deploy/{app}", "--replicas=3")
        deadline = time.monotonic() + 20
        new_rows: list[list[str]] = []
        while time.monotonic() < deadline and not any(r[2] == "Running" for r in new_rows):
            cells = watch.stdout.readline().split()
            if cells and cells[0] not in before:
                new_rows.append(cells)
        assert new_rows[0][1:3] == ["0/1", "ContainerCreating"]
        assert new_rows[-1][1:4] == ["1/1", "Running", "0"]
    finally:
        watch.terminate()
        watch.communicate(timeout=10)
        kubectl.run("scale", f"deploy/{app}", "--replicas=2")
