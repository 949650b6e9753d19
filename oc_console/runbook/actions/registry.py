"""Action kinds by name, and the target each one acts on, built from validated parameters."""

from __future__ import annotations

from collections.abc import Mapping

from oc_console.runbook.actions.backend import Cancel, Terminate
from oc_console.runbook.actions.base import Action, ActionFailed, Target
from oc_console.runbook.actions.compose import ServiceRestart
from oc_console.runbook.actions.force_sync import ForceSync
from oc_console.runbook.actions.renew import Renew
from oc_console.runbook.actions.replay import Replay
from oc_console.runbook.actions.restart import Restart
from oc_console.runbook.actions.scale import Scale
from oc_console.runbook.actions.undo import Undo
from oc_console.runbook.actions.unwrap import UnwrapSecret
from oc_console.runbook.templating import ParamError, check_value

ACTIONS: dict[str, type[Action]] = {
    a.kind: a
    for a in (Restart, Undo, Scale, Replay, Cancel, Terminate, Renew, UnwrapSecret, ForceSync)
}
# which parameters name each kind's target: (target kind, name param, namespaced)
TARGETS: dict[str, tuple[str, str, bool]] = {
    "restart": ("deployment", "deployment", True),
    "undo": ("deployment", "deployment", True),
    "scale": ("deployment", "deployment", True),
    "renew": ("certificate", "certificate", True),
    "replay": ("order", "order_id", False),
    "cancel": ("backend", "pid", False),
    "terminate": ("backend", "pid", False),
    "unwrap-secret": ("secret", "secret", True),
    "force-sync": ("externalsecret", "externalsecret", True),
}
# On a VM a deployment parameter names a compose service and its namespace the compose
# project, so the runbooks that restart run there unchanged; what needs a cluster says so.
VM_ACTIONS: dict[str, type[Action]] = {"restart": ServiceRestart}
NEEDS_CLUSTER = {
    "undo": "rollback needs Kubernetes or Helm: a compose service keeps no revision to go back to",
    "scale": "scale needs Kubernetes: set the replicas in the compose file on the VM",
    "renew": "renew needs cert-manager on Kubernetes",
}


def make_action(
    kind: str, params: Mapping[str, str], default_namespace: str = "", *, on_vm: bool = False
) -> Action:
    """An action from parameters; every value is validated (ActionFailed names the bad one).
    `on_vm`: the target is a compose service on a Docker Engine."""
    if kind not in ACTIONS:
        raise ActionFailed(f"unknown action {kind!r} (one of {', '.join(sorted(ACTIONS))})")
    if on_vm and kind in NEEDS_CLUSTER:
        raise ActionFailed(NEEDS_CLUSTER[kind])
    target_kind, name_param, namespaced = TARGETS[kind]
    values = dict(params)
    if namespaced and not values.get("namespace") and default_namespace:
        values["namespace"] = default_namespace
    needed = [name_param, "namespace"] if namespaced else [name_param]
    missing = [p for p in needed if not values.get(p)]
    if missing:
        raise ActionFailed(f"{kind} needs parameter {', '.join(missing)}")
    try:
        for name, value in values.items():
            check_value(name, str(value))
    except ParamError as exc:
        raise ActionFailed(str(exc)) from None
    target = Target(target_kind, values[name_param], values["namespace"] if namespaced else "")
    if on_vm and kind in VM_ACTIONS:
        return VM_ACTIONS[kind](Target("service", target.name, target.namespace), values)
    return ACTIONS[kind](target, values)
