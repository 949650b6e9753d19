"""HorizontalPodAutoscalers and the queue's leader-election Lease."""

from __future__ import annotations

import uuid
from typing import Any

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
                    ("AbleToScale", "True", "ReadyForNewScale",
                     "recommended size matches current size"),
                    ("ScalingActive", "True", "ValidMetricFound",
                     "the HPA was able to successfully calculate a replica count from cpu "
                     "resource utilization (percentage of request)"),
                    ("ScalingLimited", "False", "DesiredWithinRange",
                     "the desired count is within the acceptable range"),
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
