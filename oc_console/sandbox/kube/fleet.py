"""The OpenClaw fleet the sandbox starts with: namespaces, workloads, pods, HPAs, leases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import certs, external_secrets, objects, releases
from .extras import adapter_config, app_secrets, hpa, lease, webhook_config
from .incidents import crashloop_events, hostile_event, oom_events
from .naming import NODES, node_ip, pod_ip, safe_suffix
from .objects import REVISION, ContainerState
from .resources import (
    CERTIFICATE,
    CLUSTER_ISSUER,
    CONFIGMAP,
    DEPLOYMENT,
    EVENT,
    EXTERNAL_SECRET,
    HPA,
    LEASE,
    NAMESPACE,
    POD,
    REPLICASET,
    SECRET,
    Resource,
)
from .rollout import RsCount, deployment_status
from .scenarios import CRASHLOOP_IMAGE, HOSTILE_PLATFORM, POOL_POD_IP
from .scenarios import NAMESPACE as OPENCLAW
from .templates import Workload, adapter, deployment, pinned, pod_template
from .timefmt import parse_rfc3339, rfc3339

Obj = dict[str, Any]
DAY = 86_400.0

WORKLOADS: tuple[Workload, ...] = (
    adapter("amazon", 3, "512Mi", sidecar=True, init=True, hpa=True),
    adapter("shopee", 3, "1Gi", init=True),
    adapter("tiktok", 2, "768Mi", sidecar=True),
    adapter("lazada", 2, "512Mi", tag_only=True),
    adapter("coupang", 2, "768Mi", init=True),
    adapter("walmart", 2, "1Gi", hpa=True),
    adapter("shopify", 3, "768Mi", sidecar=True, hpa=True),
    Workload(
        name="openclaw-webhook",
        app="openclaw-webhook",
        replicas=2,
        image=pinned("openclaw-webhook", "2.14.3"),
        memory_limit="256Mi",
        previous_image=pinned("openclaw-webhook", "2.13.9"),
        component="webhook",
    ),
    Workload(
        name="openclaw-queue",
        app="openclaw-queue",
        replicas=2,
        image=pinned("openclaw-queue", "2.14.3"),
        memory_limit="512Mi",
        previous_image=pinned("openclaw-queue", "2.13.9"),
        component="queue",
    ),
)

# Restarts and the age of the last OOM kill of each amazon pod in the `oom` scenario.
OOM_PODS = ((7, 12 * 60.0), (4, 35 * 60.0), (2, 130 * 60.0))
CRASHLOOP_RESTARTS = 9


@dataclass
class Fleet:
    objects: dict[Resource, list[Obj]] = field(default_factory=dict)
    # Extra pods as (pod cloned, name, JSON text with a "__RV__" placeholder): cloning text
    # and parsing it only on demand keeps a 10,000-pod fleet quick to start.
    raw_pods: list[tuple[Obj, str, str]] = field(default_factory=list)
    # The amazon pod that handled the scenario order: the one running the longest.
    order_pod: str = ""

    def add(self, res: Resource, *items: Obj) -> None:
        self.objects.setdefault(res, []).extend(items)


def namespace(name: str, created: float) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "uid": str(uuid.uuid4()),
            "labels": {"kubernetes.io/metadata.name": name},
            "creationTimestamp": rfc3339(created),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def build(scenarios: frozenset[str], extra_pods: int, now: float) -> Fleet:
    fleet = Fleet()
    for ns in ("default", "kube-system", "cert-manager", OPENCLAW):
        fleet.add(NAMESPACE, namespace(ns, now - 400 * DAY))
    for w in WORKLOADS:
        _workload(fleet, w, scenarios, extra_pods if w.platform else 0, now)
    fleet.add(LEASE, lease(now))
    fleet.add(SECRET, *app_secrets("webhook" in scenarios, now))
    fleet.add(CONFIGMAP, adapter_config("crashloop" in scenarios, now))
    if "webhook" in scenarios:
        fleet.add(CONFIGMAP, webhook_config(now))
    synced, written = external_secrets.build(scenarios, now)
    fleet.add(EXTERNAL_SECRET, *synced)
    fleet.add(SECRET, *written)
    for plan in certs.plans(scenarios):
        fleet.add(CERTIFICATE, certs.certificate(plan, now))
        secret = certs.tls_secret(plan, now)
        if secret is not None:
            fleet.add(SECRET, secret)
    fleet.add(CLUSTER_ISSUER, certs.cluster_issuer(now))
    releases.add(fleet, WORKLOADS, scenarios, now)
    return fleet


def _workload(fleet: Fleet, w: Workload, scenarios: frozenset[str], extra: int, now: float) -> None:
    crashloop = w.platform == "shopee" and "crashloop" in scenarios
    d = deployment(w, w.image, now - 120 * DAY)
    d["spec"]["replicas"] = w.replicas + extra
    previous = {**d, "spec": {**d["spec"], "template": pod_template(w, w.previous_image)}}
    old = objects.replica_set(previous, 1, 0, now - 30 * DAY)
    current = objects.replica_set(d, 2, w.replicas + extra, now - 3 * DAY)
    fleet.add(REPLICASET, old, current)
    pods = [
        objects.pod(current, _state(w, i, scenarios, now), now - 3 * DAY + 40 * i, seed=str(i))
        for i in range(w.replicas)
    ]
    if w.platform == "amazon" and "pool" in scenarios:
        # the pool scenario's sessions without a name really come from this pod's address
        status = pods[0]["status"]
        status["podIP"], status["podIPs"] = POOL_POD_IP, [{"ip": POOL_POD_IP}]
    fleet.add(POD, *pods)
    if w.platform == "amazon":
        fleet.order_pod = pods[-1]["metadata"]["name"]
    fleet.raw_pods.extend(_clones(pods[-1], extra))
    new_rs, new_pods = current, pods
    if crashloop:
        d["spec"]["template"] = pod_template(w, CRASHLOOP_IMAGE)
        d["metadata"]["generation"] = 2
        # the rollout happened 2 minutes before the crash loop began
        new_rs = objects.replica_set(d, 3, 1, now - 54 * 60)
        state = ContainerState(
            ready=False,
            waiting="CrashLoopBackOff",
            restarts=CRASHLOOP_RESTARTS,
            last_reason="Error",
            last_exit=1,
            last_finished=now - 70,
        )
        new_pods = [objects.pod(new_rs, state, now - 52 * 60, seed="bad")]
        fleet.add(REPLICASET, new_rs)
        fleet.add(POD, *new_pods)
        fleet.add(EVENT, *crashloop_events(d, new_rs, new_pods[0], now))
    d["metadata"]["annotations"][REVISION] = new_rs["metadata"]["annotations"][REVISION]
    d["status"] = _initial_status(d, new_rs, new_pods, [(current, pods)] if crashloop else [])
    fleet.add(DEPLOYMENT, d)
    if w.platform == "amazon" and "oom" in scenarios:
        for pod, (restarts, _) in zip(pods, OOM_PODS, strict=True):
            fleet.add(EVENT, *oom_events(pod, restarts, now))
    if w.platform == HOSTILE_PLATFORM and "hostile" in scenarios:
        fleet.add(EVENT, hostile_event(pods[0], now))
    if w.hpa:
        fleet.add(HPA, hpa(d, now))


def _state(w: Workload, index: int, scenarios: frozenset[str], now: float) -> ContainerState:
    if w.platform == "amazon" and "oom" in scenarios:
        restarts, ago = OOM_PODS[index]
        return ContainerState(
            restarts=restarts, last_reason="OOMKilled", last_exit=137, last_finished=now - ago
        )
    if w.platform == "coupang" and index == 0:
        # Background noise every fleet has: one old, unrelated restart.
        return ContainerState(
            restarts=1, last_reason="Error", last_exit=2, last_finished=now - 2 * DAY
        )
    return ContainerState()


def _initial_status(
    d: Obj, new_rs: Obj, new_pods: list[Obj], olds: list[tuple[Obj, list[Obj]]]
) -> Obj:
    def count(rs: Obj, pods: list[Obj]) -> RsCount:
        ready = sum(p["status"]["containerStatuses"][0]["ready"] for p in pods)
        rev = int(rs["metadata"]["annotations"][REVISION])
        return RsCount(rs["metadata"]["name"], rev, rs["spec"]["replicas"], len(pods), ready)

    at = parse_rfc3339(new_rs["metadata"]["creationTimestamp"]) + 60
    status = deployment_status(
        d, count(new_rs, new_pods), [count(rs, p) for rs, p in olds], rfc3339(at), at
    )
    if olds:
        # The stuck rollout has made no progress for longer than progressDeadlineSeconds.
        for cond in status["conditions"]:
            if cond["type"] == "Progressing":
                cond.update(
                    status="False",
                    reason="ProgressDeadlineExceeded",
                    message=f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.',
                )
    return status


def _clones(base: Obj, count: int) -> Iterator[tuple[Obj, str, str]]:
    placeholder = {**base, "metadata": {**base["metadata"], "resourceVersion": "__RV__"}}
    text = json.dumps(placeholder, separators=(",", ":"))
    name, uid = base["metadata"]["name"], base["metadata"]["uid"]
    node = base["spec"]["nodeName"]
    ip = base["status"]["podIP"]
    rs_name = base["metadata"]["generateName"].rstrip("-")
    taken = {name}
    for i in range(count):
        attempt = 0
        new_name = name
        while new_name in taken:  # five characters collide now and then among 1,000s of pods
            new_name = f"{rs_name}-{safe_suffix(5, rs_name, 'extra', str(i), str(attempt))}"
            attempt += 1
        taken.add(new_name)
        new_node = NODES[i % len(NODES)]
        yield (
            base,
            new_name,
            (
                text.replace(name, new_name)
                .replace(uid, str(uuid.uuid4()))
                .replace(f'"{ip}"', f'"{pod_ip(new_name)}"')
                .replace(node_ip(node), node_ip(new_node))
                .replace(node, new_node)
            ),
        )
