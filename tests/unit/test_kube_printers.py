"""The sandbox's table printers against kube-apiserver's rules, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from oc_console.sandbox.kube.printers import printer
from oc_console.sandbox.kube.table_columns import human_duration
from oc_console.sandbox.kube.timefmt import rfc3339

NOW = 1_800_000_000.0
MIN, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
        (10 * MIN, "10m"), (179 * MIN, "179m"), (3 * HOUR, "3h"), (3 * HOUR + 5 * MIN, "3h5m"),
        (8 * HOUR + 30 * MIN, "8h"), (47 * HOUR, "47h"), (2 * DAY, "2d"), (2 * DAY + 5 * HOUR,
        "2d5h"), (8 * DAY + 5 * HOUR, "8d"), (729 * DAY, "729d"), (2 * 365 * DAY, "2y"),
        (2 * 365 * DAY + 10 * DAY, "2y10d"), (9 * 365 * DAY, "9y"),
    ],
)  # fmt: skip
def test_ages_read_like_kubectls(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown


def pod(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "creationTimestamp": rfc3339(NOW - 3 * DAY)},
        "spec": {"containers": [{"name": "app"}], "initContainers": [{"name": "init"}]},
        "status": {"phase": "Running", **status},
    }


def cells(obj: dict[str, Any], kind: str = "Pod") -> list[Any]:
    return printer(kind)[1](obj, NOW)


def test_pod_status_while_initialising_and_after() -> None:
    waiting = {"state": {"waiting": {"reason": "PodInitializing"}}}
    assert cells(pod(phase="Pending", initContainerStatuses=[waiting]))[2] == "Init:0/1"
    failed = {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}, "restartCount": 2}
    row = cells(pod(phase="Pending", initContainerStatuses=[failed]))
    assert row[2:4] == ["Init:Error", "2"]
    done = {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    running = {
        "ready": True,
        "state": {"running": {}},
        "restartCount": 3,
        "lastState": {"terminated": {"reason": "OOMKilled", "finishedAt": rfc3339(NOW - 300)}},
    }
    row = cells(pod(initContainerStatuses=[done], containerStatuses=[running]))
    assert row[1:4] == ["1/1", "Running", "3 (5m ago)"]


def test_pod_terminating_and_wide_cells() -> None:
    p = pod(
        containerStatuses=[{"ready": True, "state": {"running": {}}}], podIPs=[{"ip": "1.2.3.4"}]
    )
    p["metadata"]["deletionTimestamp"] = rfc3339(NOW)
    p["spec"]["readinessGates"] = [{"conditionType": "x/ready"}]
    assert cells(p)[2:] == ["Terminating", "0", "3d", "1.2.3.4", "<none>", "<none>", "0/1"]


def test_deployment_selector_with_expressions() -> None:
    d = {
        "metadata": {"name": "d", "creationTimestamp": rfc3339(NOW - DAY)},
        "spec": {
            "replicas": 3,
            "selector": {
                "matchLabels": {"tier": "web", "app": "x"},
                "matchExpressions": [{"key": "env", "operator": "In", "values": ["b", "a"]}],
            },
            "template": {"spec": {"containers": [{"name": "a", "image": "i:1"}]}},
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert cells(d, "Deployment") == [
        "d", "2/3", 3, 2, "24h", "a", "i:1", "app=x,env in (a,b),tier=web",
    ]  # fmt: skip


def test_event_series_and_source() -> None:
    e = {
        "metadata": {"name": "e1"},
        "type": "Warning",
        "reason": "BackOff",
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{app}"},
        "eventTime": "2027-01-15T08:00:00.000000Z",
        "series": {"count": 7, "lastObservedTime": rfc3339(NOW - 30)},
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
        "message": "  Back-off restarting  ",
    }
    row = cells(e, "Event")
    assert row[0] == "30s" and row[1:7] == [
        "Warning", "BackOff", "pod/p", "spec.containers{app}", "kubelet, node-1",
        "Back-off restarting",
    ]  # fmt: skip
    assert row[8:] == [7, "e1"]


def test_kinds_without_a_printer_get_the_default_convertor() -> None:
    columns, make = printer("SelfSubjectReview")
    assert [c.name for c in columns] == ["Name", "Created At"]
    obj = {"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"}}
    assert make(obj, NOW) == ["x", "2026-01-01T00:00:00Z"]
