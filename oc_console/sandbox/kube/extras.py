"""HorizontalPodAutoscalers and the queue's leader-election Lease."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from .external_secrets import SIGNING_KEYS
from .scenarios import NAMESPACE
from .timefmt import rfc3339, rfc3339_micro

Obj = dict[str, Any]


def hpa(deployment: Obj, now: float) -> Obj:
    name = deployment["metadata"]["name"]
    replicas = deployment["spec"]["replicas"]
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 90 * 86_400),
            "labels": {"app": name},
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": replicas,
            "maxReplicas": replicas * 2,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": replicas,
            "desiredReplicas": replicas,
            "lastScaleTime": rfc3339(now - 3 * 86_400),
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 41, "averageValue": "103m"},
                    },
                }
            ],
            "conditions": [
                {
                    "type": kind,
                    "status": status,
                    "lastTransitionTime": rfc3339(now - 3 * 86_400),
                    "reason": reason,
                    "message": message,
                }
                for kind, status, reason, message in (
                    (
                        "AbleToScale",
                        "True",
                        "ReadyForNewScale",
                        "recommended size matches current size",
                    ),
                    (
                        "ScalingActive",
                        "True",
                        "ValidMetricFound",
                        "the HPA was able to successfully calculate a replica count from cpu "
                        "resource utilization (percentage of request)",
                    ),
                    (
                        "ScalingLimited",
                        "False",
                        "DesiredWithinRange",
                        "the desired count is within the acceptable range",
                    ),
                )
            ],
        },
    }


def lease(now: float) -> Obj:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": "openclaw-queue-leader",
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 120 * 86_400),
        },
        "spec": {
            "holderIdentity": "openclaw-queue-0",
            "leaseDurationSeconds": 15,
            "acquireTime": rfc3339_micro(now - 3 * 86_400),
            "renewTime": rfc3339_micro(now - 2),
            "leaseTransitions": 4,
        },
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def adapter_config(crashloop: bool, now: float) -> Obj:
    """The adapters' shared settings. With `crashloop` they were edited just before the shopee
    release, as a deploy script does: a change the Changes screen shows beside the rollout."""
    changed = now - (56 * 60 if crashloop else 40 * 86_400)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "openclaw-adapter-settings",
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 120 * 86_400),
            "managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update",
                 "apiVersion": "v1", "time": rfc3339(changed)},
            ],
        },
        "data": {"QUEUE_BATCH_SIZE": "50", "PLATFORM_TIMEOUT_SECONDS": "30"},
    }  # fmt: skip


# `webhook`: a deploy script also put the TikTok signing secret in a ConfigMap, where anyone
# who can read the namespace's configuration reads it (a key named like a credential, and one
# whose value is a long random string under an innocent name).
LEAKED_SIGNING_SECRET = "whsec_Q9vT3kLx7Rm2Wp8Zc4Nd6Hb1Jf5Ys0"
LEAKED_PARTNER_KEY = "pk9F3xQ7vL2mR8wT4zC6nB1hJ5kY0sD3aG7"


def webhook_config(now: float) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "openclaw-adapter-tiktok-webhook",
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": rfc3339(now - 3 * 86_400),
        },
        "data": {
            "TIKTOK_WEBHOOK_SECRET": LEAKED_SIGNING_SECRET,
            "PARTNER_ROUTING": LEAKED_PARTNER_KEY,
            "CALLBACK_PATH": "/webhooks/tiktok",
        },
    }


def app_secrets(webhook_broken: bool, now: float) -> list[Obj]:
    signing_key = SIGNING_KEYS["tiktok"]
    # `webhook`: the TikTok key was base64-encoded twice by a deploy script, so the adapter
    # signs with the wrong bytes and every webhook fails its signature check.
    tiktok = _b64(signing_key) if webhook_broken else signing_key
    meta = {"namespace": NAMESPACE, "creationTimestamp": rfc3339(now - 120 * 86_400)}
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": "openclaw-db", "uid": str(uuid.uuid4()), **meta},
            "data": {"url": _b64("postgresql://openclaw@openclaw-db:5432/openclaw")},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": "openclaw-webhook-secrets", "uid": str(uuid.uuid4()), **meta},
            "data": {
                "TIKTOK_WEBHOOK_SECRET": _b64(tiktok),
                "SHOPIFY_WEBHOOK_SECRET": _b64(signing_key[::-1]),
            },
        },
    ]
