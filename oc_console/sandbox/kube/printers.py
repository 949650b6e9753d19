"""Columns and cells of kubectl's tables, kind by kind, as kube-apiserver prints them.

Built-in kinds follow kube-apiserver's printers (pkg/printers/internalversion/printers.go);
cert-manager's kinds follow the additionalPrinterColumns of their CRDs; any other kind gets the
server's default convertor (Name, Created At). The server always prints the wide set of cells
and marks the extra columns with priority 1: kubectl shows them only with `-o wide`.
"""

from __future__ import annotations

from . import printers_other as other
from .table_columns import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    SELECTOR,
    Cell,
    Column,
    Obj,
    age,
    condition,
    containers,
    selector,
    since,
)

# --- Pods ---

POD_COLUMNS = (
    NAME,
    Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column(
        "Restarts",
        description="The number of times the containers in this pod have been restarted and "
        "when the last container in this pod has restarted.",
    ),
    AGE,
    Column("IP", priority=1, description="IP address allocated to the pod."),
    Column(
        "Node",
        priority=1,
        description="NodeName is a request to schedule this pod onto a specific node.",
    ),
    Column(
        "Nominated Node",
        priority=1,
        description="nominatedNodeName is set only when this pod preempts other pods on the node.",
    ),
    Column(
        "Readiness Gates",
        priority=1,
        description="If specified, all readiness gates will be evaluated for pod readiness.",
    ),
)


def _terminated_reason(terminated: Obj, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _init_reason(pod: Obj) -> str | None:
    """The `Init:` status while an init container has not finished; None once they all have."""
    inits = pod["spec"].get("initContainers") or []
    for i, status in enumerate((pod.get("status") or {}).get("initContainerStatuses") or []):
        state = status.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting") or {}
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if terminated is not None:
            return _terminated_reason(terminated, "Init:")
        if waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return f"Init:{waiting['reason']}"
        return f"Init:{i}/{len(inits)}"
    return None


def _pod_cells(pod: Obj, now: float) -> list[Cell]:
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or ""
    total, ready, restarts = len(pod["spec"].get("containers") or []), 0, 0
    last_restart = ""
    init = _init_reason(pod)
    for s in status.get("initContainerStatuses") or []:
        restarts += int(s.get("restartCount", 0))
        finished = ((s.get("lastState") or {}).get("terminated") or {}).get("finishedAt") or ""
        last_restart = max(last_restart, finished)
    if init is not None and condition(pod, "Initialized").get("status") != "True":
        reason = init
    else:
        restarts, last_restart, running = 0, "", False
        for s in reversed(status.get("containerStatuses") or []):
            restarts += int(s.get("restartCount", 0))
            finished = ((s.get("lastState") or {}).get("terminated") or {}).get("finishedAt") or ""
            last_restart = max(last_restart, finished)
            state = s.get("state") or {}
            if (state.get("waiting") or {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif "terminated" in state and state["terminated"] is not None:
                reason = _terminated_reason(state["terminated"])
            elif s.get("ready") and "running" in state:
                running = True
                ready += 1
        if reason == "Completed" and running:
            ready_cond = condition(pod, "Ready").get("status") == "True"
            reason = "Running" if ready_cond else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    restarts_text = str(restarts)
    if restarts and last_restart:
        restarts_text = f"{restarts} ({since(last_restart, now)} ago)"
    ips = status.get("podIPs") or []
    gates = pod["spec"].get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        true = sum(
            1 for g in gates if condition(pod, g.get("conditionType", "")).get("status") == "True"
        )
        gates_text = f"{true}/{len(gates)}"
    return [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        reason,
        restarts_text,
        age(pod, now),
        (ips[0].get("ip") if ips else "") or "<none>",
        pod["spec"].get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_text,
    ]


# --- Deployments and ReplicaSets ---

DEPLOYMENT_COLUMNS = (
    NAME,
    Column("Ready", description="Number of the pod with ready state"),
    Column(
        "Up-to-date",
        "integer",
        description="Total number of non-terminated pods targeted "
        "by this deployment that have the desired template spec.",
    ),
    Column(
        "Available",
        "integer",
        description="Total number of available pods (ready for at "
        "least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
)


def _deployment_cells(d: Obj, now: float) -> list[Cell]:
    status = d.get("status") or {}
    names, images = containers(d["spec"].get("template") or {})
    return [
        d["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{d['spec'].get('replicas', 0)}",
        int(status.get("updatedReplicas", 0)),
        int(status.get("availableReplicas", 0)),
        age(d, now),
        names,
        images,
        selector(d["spec"]),
    ]


REPLICASET_COLUMNS = (
    NAME,
    Column("Desired", "integer", description="Replicas is the number of desired replicas."),
    Column(
        "Current",
        "integer",
        description="Replicas is the most recently observed number of replicas.",
    ),
    Column("Ready", "integer", description="The number of ready replicas for this replica set."),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
)


def _replicaset_cells(rs: Obj, now: float) -> list[Cell]:
    status = rs.get("status") or {}
    names, images = containers(rs["spec"].get("template") or {})
    return [
        rs["metadata"]["name"],
        int(rs["spec"].get("replicas", 0)),
        int(status.get("replicas", 0)),
        int(status.get("readyReplicas", 0)),
        age(rs, now),
        names,
        images,
        selector(rs["spec"]),
    ]


# --- Events ---

EVENT_COLUMNS = (
    Column(
        "Last Seen",
        description="The time at which the most recent occurrence of this event was recorded.",
    ),
    Column("Type", description="Type of this event (Normal, Warning)."),
    Column(
        "Reason",
        description="A short, machine understandable string that gives the "
        "reason for the transition into the object's current status.",
    ),
    Column("Object", description="The object that this event is about."),
    Column("Subobject", priority=1, description="The field of the object the event is about."),
    Column("Source", priority=1, description="The component reporting this event."),
    Column("Message", description="A human-readable description of the status of this operation."),
    Column("First Seen", priority=1, description="The time at which the event was first recorded."),
    Column("Count", priority=1, description="The number of times this event has occurred."),
    Column("Name", priority=1, format="name", description=NAME.description),
)


def _event_cells(e: Obj, now: float) -> list[Cell]:
    first = since(e.get("firstTimestamp") or e.get("eventTime"), now)
    last = since(e["lastTimestamp"], now) if e.get("lastTimestamp") else first
    count = int(e.get("count") or 1)
    series = e.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or count)
    involved = e.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = e.get("source") or {}
    component = source.get("component") or e.get("reportingComponent") or ""
    instance = source.get("host") or e.get("reportingInstance") or ""
    return [
        last,
        e.get("type", ""),
        e.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        str(e.get("message", "")).strip(),
        first,
        count,
        e["metadata"]["name"],
    ]


Printer = other.Printer

PRINTERS: dict[str, Printer] = {
    "Pod": (POD_COLUMNS, _pod_cells),
    "Deployment": (DEPLOYMENT_COLUMNS, _deployment_cells),
    "ReplicaSet": (REPLICASET_COLUMNS, _replicaset_cells),
    "Event": (EVENT_COLUMNS, _event_cells),
    **other.PRINTERS,
}


def printer(kind: str) -> Printer:
    return PRINTERS.get(kind, other.DEFAULT)
