"""What changed in the cluster, on one time axis: rollouts, autoscaling, certificate renewals,
Helm revisions and ConfigMap/Secret edits, read from the watch cache the console keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ROLLOUT, SCALE, RENEWAL, HELM, CONFIG = "rollout", "scale", "renewal", "helm", "config"
ACTION = "action"  # an Event an oc-console wrote on what it acted on (reason OcConsoleAction)


@dataclass(frozen=True)
class Change:
    at: datetime
    kind: str  # one of ROLLOUT, SCALE, RENEWAL, HELM, CONFIG, ACTION
    subject: str  # namespace/name of what changed: the adapter's Deployment, the Certificate
    summary: str  # one line: "rollout to revision 7 (image adapter-shopee:2.15.0)"
    details: tuple[str, ...] = ()  # what changed in the pod template, the release description
