"""The mark an action leaves on its target: an `events.k8s.io/v1` Event, reason
`OcConsoleAction`, so `kubectl describe`, k9s and every other console see who did what, how it
ended and what verified it, without reading anyone's audit log.

The Event is written after the audit end record, and its failure never changes the action's
outcome: the engine records "event not written: ..." in the local audit instead.

Actions without a Kubernetes object (a PostgreSQL session, an order replayed through the
workflow API) write theirs on the Deployment that owns the sessions or the order's adapter,
when the watch cache names one; otherwise they write none.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from oc_console.analysis.owners import OwnerIndex
from oc_console.runbook.actions.base import Action, ActionEnv
from oc_console.runbook.where import where_of
from oc_console.sanitize import clean

REASON = "OcConsoleAction"
CONTROLLER = "oc-console"
NOTE_MAX = 1024  # the API server refuses a longer note
# kind of an action's target -> (apiVersion, Kind, the object's API path prefix)
_KINDS = {
    "deployment": ("apps/v1", "Deployment", "/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
    "certificate": (
        "cert-manager.io/v1",
        "Certificate",
        "/apis/cert-manager.io/v1/namespaces/{ns}/certificates/{name}",
    ),
    "secret": ("v1", "Secret", "/api/v1/namespaces/{ns}/secrets/{name}"),
    "externalsecret": (
        "external-secrets.io/v1",
        "ExternalSecret",
        "/apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets/{name}",
    ),
}


def regarding_of(action: Action, env: ActionEnv) -> tuple[str, str] | None:
    """(namespace, kind/name) of the object the Event goes on, or None when there is none."""
    t = action.target
    if t.kind in _KINDS:
        return (t.namespace, f"{t.kind}/{t.name}") if t.namespace else None
    fleet = env.fleet()
    if fleet is None:
        return None
    if t.kind == "backend":
        # the session the action read at its check: its name and its address name the owner
        row = getattr(action, "_session", None) or {}
        app = str(row.get("application_name") or action.params.get("application_name") or "")
        owner = OwnerIndex(fleet).owner(app, row.get("client_addr"))
        return (owner.namespace, f"deployment/{owner.deployment}") if owner else None
    if t.kind == "order":
        # the order row the action read at its check names its platform, hence its adapter
        order = getattr(action, "_order", None) or {}
        platform = str(order.get("platform") or "")
        for a in fleet.adapters:
            if platform and a.platform == platform:
                return a.namespace, f"deployment/{a.name}"
    return None


def note_of(action: Action, env: ActionEnv, end: dict[str, Any]) -> str:
    """ "rollout restart deployment/x by alice@bastion-1 (alice@openclaw.io) via runbook
    adapter-oomkilled: done, verified: rolled out; on target eu-west (context eu-west, server
    https://…)". The target comes last (readers find the user after the first " by ") and is
    never cut off by a long outcome."""
    runbook = action.params.get("_runbook")
    via = f" via runbook {runbook}" if runbook else ""
    outcome = str(end.get("outcome") or "")
    if outcome == "ok":
        how = f"done, verified: {end.get('verification') or 'not verified'}"
    else:
        how = f"{outcome}: {end.get('error') or end.get('reason') or ''}".rstrip(": ")
    on = clean(f"; on {where_of(env).label}")[: NOTE_MAX // 2]
    note = f"{action.title} {action.target.label} by {env.operator.holder}{via}: {how}"
    return clean(note)[: NOTE_MAX - len(on)] + on


def _micro_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(
    action: Action, env: ActionEnv, obj: dict[str, Any], end: dict[str, Any]
) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    now = datetime.now(UTC)
    name = str(meta.get("name") or action.target.name)
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {
            # as client-go names them: the object's name and a unique suffix
            "name": f"{name}.{now.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(4)}",
            "namespace": meta.get("namespace"),
        },
        "eventTime": _micro_time(now),
        "reason": REASON,
        "action": action.kind,
        "type": "Normal" if end.get("outcome") == "ok" else "Warning",
        "note": note_of(action, env, end),
        "reportingController": CONTROLLER,
        "reportingInstance": CONTROLLER,
        "regarding": {
            "apiVersion": obj.get("apiVersion"),
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace"),
            "name": name,
            # `kubectl describe` finds an object's Events by its uid too
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
    }


def _write(action: Action, env: ActionEnv, end: dict[str, Any]) -> str:
    """Blocking: read the target (its uid), then create the Event. '' or the reason it is not
    written."""
    kube = env.kube
    where = regarding_of(action, env)
    if kube is None or where is None:
        return ""  # no object to mark: nothing to write, nothing failed
    namespace, ref = where
    kind, name = ref.split("/", 1)
    path = _KINDS[kind][2].format(ns=namespace, name=name)
    try:
        obj = kube.call("GET", path, verb="get", resource=f"{kind}s", namespace=namespace)
        body = event_body(action, env, obj or {}, end)
        kube.call(
            "POST",
            f"/apis/events.k8s.io/v1/namespaces/{namespace}/events",
            body=body,
            verb="create",
            resource="events.events.k8s.io",
            namespace=namespace,
        )
    except Exception as exc:  # never fails the action: the caller audits the line
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return clean(text)
    return ""


async def write_event(action: Action, env: ActionEnv, end: dict[str, Any]) -> str:
    """Off the event loop. '' when written (or nothing to write), else why not."""
    return await asyncio.to_thread(_write, action, env, end)
