"""Deployments of the OpenClaw fleet, with the defaults the API server would have filled in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .external_secrets import env_name, expected_annotation, webhook_source
from .naming import hex64
from .scenarios import NAMESPACE
from .timefmt import rfc3339

Obj = dict[str, Any]
REGISTRY = "registry.openclaw.io"


@dataclass(frozen=True)
class Workload:
    name: str
    app: str
    replicas: int
    image: str
    memory_limit: str
    previous_image: str
    component: str = "adapter"
    platform: str = ""
    sidecar: bool = False
    init: bool = False
    hpa: bool = False


def pinned(repo: str, version: str) -> str:
    return f"{REGISTRY}/{repo}@sha256:{hex64(repo, version)}"


def adapter(
    platform: str,
    replicas: int,
    memory: str,
    *,
    tag_only: bool = False,
    sidecar: bool = False,
    init: bool = False,
    hpa: bool = False,
) -> Workload:
    repo = f"adapter-{platform}"
    image = f"{REGISTRY}/{repo}:2.14.3" if tag_only else pinned(repo, "2.14.3")
    return Workload(
        name=f"openclaw-adapter-{platform}",
        app=f"openclaw-adapter-{platform}",
        replicas=replicas,
        image=image,
        memory_limit=memory,
        previous_image=pinned(repo, "2.13.9"),
        platform=platform,
        sidecar=sidecar,
        init=init,
        hpa=hpa,
    )


def _container(name: str, image: str, port: int, requests_mem: str, limit_mem: str) -> Obj:
    probe = {
        "failureThreshold": 3,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 1,
    }
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": port, "name": "http", "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": "250m", "memory": requests_mem},
            "limits": {"memory": limit_mem},
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": port, "scheme": "HTTP"},
            **probe,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
            "initialDelaySeconds": 10,
            **probe,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def pod_template(w: Workload, image: str) -> Obj:
    main = _container(w.component, image, 8080, "256Mi", w.memory_limit)
    main["env"] = [
        {"name": "OPENCLAW_PLATFORM", "value": w.platform or w.component},
        {"name": "OPENCLAW_LOG_FORMAT", "value": "json"},
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "openclaw-db", "key": "url"}},
        },
    ]
    source = webhook_source(w.platform)
    if source is not None:  # the key it checks webhook signatures with
        ref = {"name": source[0], "key": source[1]}
        main["env"].append({"name": env_name(w.platform), "valueFrom": {"secretKeyRef": ref}})
    containers = [main]
    if w.sidecar:
        containers.append(
            _container("otel-collector", pinned("otel-collector", "0.128.0"), 4318, "64Mi", "128Mi")
        )
    spec: Obj = {
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "openclaw-adapter" if w.platform else w.name,
        "serviceAccount": "openclaw-adapter" if w.platform else w.name,
        "securityContext": {},
        "schedulerName": "default-scheduler",
    }
    if w.init:
        init = _container("migrate", pinned("openclaw-migrate", "2.14.3"), 8081, "64Mi", "128Mi")
        for probe in ("readinessProbe", "livenessProbe", "ports"):
            init.pop(probe)
        spec["initContainers"] = [init]
    labels = {"app": w.app, "app.kubernetes.io/part-of": "openclaw"}
    if w.platform:
        labels["openclaw.io/platform"] = w.platform
    return {
        "metadata": {
            "labels": labels,
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
        },
        "spec": spec,
    }


def deployment(w: Workload, image: str, created: float) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": w.name,
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "labels": {"app": w.app, "app.kubernetes.io/managed-by": "Helm"},
            "annotations": {
                "meta.helm.sh/release-name": "openclaw",
                **expected_annotation(w.platform),
            },
            "creationTimestamp": rfc3339(created),
            "generation": 1,
        },
        "spec": {
            "replicas": w.replicas,
            "selector": {"matchLabels": {"app": w.app}},
            "template": pod_template(w, image),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }
