"""The official kubernetes client against the sandbox: typed models, raw lists, watch, logs."""

# mypy: disable-error-code="attr-defined,arg-type,operator"
# (the client's stubs type every call's answer as its model, also with _preload_content=False,
# where it is the raw response; and a model's names are Optional though the server sets them)
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kube_fixtures import reset_faults
from kubernetes import client, config, watch

from oc_console.sandbox.kube import KUBE_SCENARIOS, KubeSandbox
from oc_console.sandbox.kube.scenarios import ORDER_ID, ORDER_TRACE_ID

pytestmark = pytest.mark.integration
NS = "openclaw"


@pytest.fixture(autouse=True)
def _faults_off(kube_sandbox: KubeSandbox) -> Iterator[None]:
    yield
    reset_faults(kube_sandbox)


@pytest.fixture(scope="module")
def api(kube_sandbox: KubeSandbox) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(
        config_file=str(kube_sandbox.kubeconfig_path), context=kube_sandbox.context
    )
    with api_client:
        yield api_client


def test_typed_lists_validate_for_every_kind(api: client.ApiClient) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    pods = core.list_namespaced_pod(NS).items
    assert len(pods) >= 20
    assert all(p.metadata.owner_references[0].uid for p in pods)
    assert len(core.list_namespaced_event(NS).items) > 0
    assert len(core.list_namespaced_secret(NS).items) >= 3
    assert len(core.list_namespace().items) == 5  # with argocd, where the Application lives
    deployments = apps.list_namespaced_deployment(NS).items
    assert len(deployments) == 9 and all(d.status.observed_generation for d in deployments)
    assert len(apps.list_namespaced_replica_set(NS).items) >= 18
    hpas = client.AutoscalingV2Api(api).list_namespaced_horizontal_pod_autoscaler(NS).items
    assert {h.spec.scale_target_ref.name for h in hpas} >= {"openclaw-adapter-amazon"}
    assert client.CoordinationV1Api(api).list_namespaced_lease(NS).items[0].spec.holder_identity
    certs = client.CustomObjectsApi(api).list_namespaced_custom_object(
        "cert-manager.io", "v1", NS, "certificates"
    )
    assert len(certs["items"]) == 3
    review = client.AuthorizationV1Api(api).create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    namespace=NS, verb="patch", group="apps", resource="deployments"
                )
            )
        )
    )
    assert review.status.allowed is True


def test_oom_scenario_is_in_pod_status(api: client.ApiClient, kube_sandbox: KubeSandbox) -> None:
    pods = (
        client.CoreV1Api(api)
        .list_namespaced_pod(NS, label_selector="app=openclaw-adapter-amazon")
        .items
    )
    killed = [
        p
        for p in pods
        if (s := p.status.container_statuses[0]).last_state.terminated
        and s.last_state.terminated.reason == "OOMKilled"
    ]
    assert killed and all(p.status.container_statuses[0].restart_count > 0 for p in killed)
    assert killed[0].status.container_statuses[0].last_state.terminated.exit_code == 137
    view = [
        v for v in kube_sandbox.pods_view() if v.platform == "amazon" and v.container == "adapter"
    ]
    assert view and all(v.memory_limit_bytes == 512 * 2**20 for v in view)


def test_raw_list_without_model_deserialization(api: client.ApiClient) -> None:
    resp = client.CoreV1Api(api).list_namespaced_pod(
        NS,
        label_selector="app in (openclaw-adapter-shopee,openclaw-adapter-tiktok)",
        _preload_content=False,
    )
    body = json.loads(resp.data)
    assert body["kind"] == "PodList" and int(body["metadata"]["resourceVersion"]) > 0
    apps = {p["metadata"]["labels"]["app"] for p in body["items"]}
    assert apps == {"openclaw-adapter-shopee", "openclaw-adapter-tiktok"}


def test_list_pages_with_limit_and_continue(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    first = core.list_namespaced_pod(NS, limit=5)
    rest = core.list_namespaced_pod(NS, limit=500, _continue=first.metadata._continue)
    names = [p.metadata.name for p in first.items + rest.items]
    assert len(first.items) == 5 and len(names) == len(set(names)) == len(
        core.list_namespaced_pod(NS).items
    )


def test_watch_resumes_from_a_version_with_bookmarks(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    listed = core.list_namespaced_pod(NS, label_selector="app=openclaw-webhook")
    victim = listed.items[0].metadata.name
    core.delete_namespaced_pod(victim, NS)
    seen: list[tuple[str, str]] = []
    stream = watch.Watch().stream(
        core.list_namespaced_pod,
        NS,
        label_selector="app=openclaw-webhook",
        resource_version=listed.metadata.resource_version,
        allow_watch_bookmarks=True,
        timeout_seconds=5,
    )
    for event in stream:
        seen.append((event["type"], event["raw_object"]["metadata"].get("name", "")))
        if event["type"] == "BOOKMARK":
            break
    assert ("DELETED", victim) in seen
    assert any(kind == "ADDED" for kind, _ in seen)  # the ReplicaSet replaced it
    assert seen[-1][0] == "BOOKMARK"


def test_watch_from_a_too_old_version_is_410_gone(
    api: client.ApiClient, kube_sandbox: KubeSandbox
) -> None:
    core = client.CoreV1Api(api)
    with pytest.raises(client.ApiException) as gone:
        for _ in watch.Watch().stream(
            core.list_namespaced_pod, NS, resource_version="1", timeout_seconds=2
        ):
            pass
    assert gone.value.status == 410 and "Expired" in str(gone.value.reason)
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    kube_sandbox.faults.expire_next_watch = True
    raw = core.list_namespaced_pod(
        NS, watch=True, resource_version=rv, timeout_seconds=2, _preload_content=False
    )
    error = json.loads(raw.data.splitlines()[0])
    assert error["type"] == "ERROR" and error["object"]["code"] == 410


def test_logs_carry_the_scenarios(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    shopee = core.list_namespaced_pod(NS, label_selector="app=openclaw-adapter-shopee").items
    crashing = next(p for p in shopee if p.status.container_statuses[0].state.waiting)
    previous = core.read_namespaced_pod_log(
        crashing.metadata.name, NS, container="adapter", previous=True
    )
    assert "ShopSyncPolicy" in previous
    amazon = core.list_namespaced_pod(NS, label_selector="app=openclaw-adapter-amazon").items
    logs = [core.read_namespaced_pod_log(p.metadata.name, NS, container="adapter") for p in amazon]
    order_lines = [
        json.loads(line) for log in logs for line in log.splitlines() if ORDER_ID in line
    ]
    assert {r["trace_id"] for r in order_lines} == {ORDER_TRACE_ID}
    assert any("429" in r["msg"] for r in order_lines) and order_lines[-1]["level"] == "error"
    tiktok = core.list_namespaced_pod(NS, label_selector="app=openclaw-adapter-tiktok").items[0]
    tail = core.read_namespaced_pod_log(
        tiktok.metadata.name, NS, container="adapter", tail_lines=200
    )
    assert len(tail.splitlines()) == 200 and "signature mismatch" in tail
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_pod_log(tiktok.metadata.name, NS)
    assert err.value.status == 400 and "a container name must be specified" in err.value.body


def test_follow_streams_new_lines(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    pod = core.list_namespaced_pod(NS, label_selector="app=openclaw-adapter-lazada").items[0]
    resp = core.read_namespaced_pod_log(
        pod.metadata.name,
        NS,
        container="adapter",
        follow=True,
        tail_lines=1,
        _preload_content=False,
    )
    lines: list[str] = []
    started = time.monotonic()
    for chunk in resp.stream(1024):
        lines += chunk.decode().splitlines()
        if len(lines) >= 2:
            break
    resp.release_conn()
    assert len(lines) >= 2 and time.monotonic() - started < 5


def test_dropped_watch_and_api_down(api: client.ApiClient, kube_sandbox: KubeSandbox) -> None:
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    resp = core.list_namespaced_pod(NS, watch=True, resource_version=rv, _preload_content=False)
    outcome: list[Any] = []

    def read() -> None:
        try:
            outcome.append(b"".join(resp.stream(1024)))
        except Exception as exc:  # what the stream ends with is the assertion
            outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)
    kube_sandbox.faults.drop_watches()
    reader.join(timeout=5)
    assert not reader.is_alive()
    assert isinstance(outcome[0], urllib3.exceptions.ProtocolError)

    kube_sandbox.api_down()
    try:
        with pytest.raises(urllib3.exceptions.MaxRetryError):
            core.list_namespaced_pod(NS, _request_timeout=2)
    finally:
        kube_sandbox.api_up()
    assert core.list_namespaced_pod(NS).items


def test_padded_lists_reach_benchmark_sizes(
    api: client.ApiClient, kube_sandbox: KubeSandbox
) -> None:
    kube_sandbox.faults.pad_pod_lists = 2000
    raw = client.CoreV1Api(api).list_namespaced_pod(NS, _preload_content=False).data
    assert len(json.loads(raw)["items"]) > 2000 and len(raw) > 10_000_000


def test_ten_thousand_pods_start_fast_and_stop_clean(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    started = time.perf_counter()
    sandbox = KubeSandbox(tmp_path, scenarios=frozenset({"none"}), extra_pods_per_adapter=1429)
    with sandbox:
        assert time.perf_counter() - started < 3.0
        api_client = config.new_client_from_config(config_file=str(sandbox.kubeconfig_path))
        with api_client:
            raw = (
                client.CoreV1Api(api_client)
                .list_pod_for_all_namespaces(_preload_content=False)
                .data
            )
        body = json.loads(raw)
        assert len(body["items"]) >= 10_000 and len(raw) > 40_000_000
        assert not any(v.last_terminated_reason == "OOMKilled" for v in sandbox.pods_view())
    assert set(threading.enumerate()) <= threads_before


def test_scenario_names() -> None:
    assert set(KUBE_SCENARIOS) == {"oom", "crashloop", "cert", "order", "webhook", "pool"}
    with pytest.raises(ValueError, match="unknown scenario"):
        KubeSandbox(Path("/nonexistent"), scenarios=frozenset({"meteor"}))


def test_renew_sets_issuing_on_the_status_subresource(api: client.ApiClient) -> None:
    objects = client.CustomObjectsApi(api)
    args = ("cert-manager.io", "v1", NS, "certificates", "openclaw-api-tls")
    before = objects.get_namespaced_custom_object(*args)
    issuing = {
        "type": "Issuing",
        "status": "True",
        "reason": "ManuallyTriggered",
        "message": "Certificate re-issuance manually triggered",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
        "observedGeneration": before["metadata"]["generation"],
    }
    conditions = [*before["status"]["conditions"], issuing]
    preview = objects.patch_namespaced_custom_object_status(
        *args, {"status": {"conditions": conditions}}, dry_run="All"
    )
    assert preview["status"]["conditions"][-1]["reason"] == "ManuallyTriggered"
    assert objects.get_namespaced_custom_object(*args) == before
    after = objects.patch_namespaced_custom_object_status(
        *args, {"status": {"conditions": conditions}, "spec": {"renewBefore": "1h0m0s"}}
    )
    assert {c["type"]: c["reason"] for c in after["status"]["conditions"]} == {
        "Ready": "Ready",
        "Issuing": "ManuallyTriggered",
    }
    assert after["spec"] == before["spec"]  # /status ignores everything but status
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
