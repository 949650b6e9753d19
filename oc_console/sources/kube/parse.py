"""Raw API JSON (dicts from orjson) -> the rows the console shows.

Only the displayed fields are touched, missing fields are normal (a pod that is still
Pending has no containerStatuses, a termination may have no reason), and repeated strings
are interned so 10k pods share one copy of each image, node and reason.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from typing import Any

from oc_console.domain.kube import (
    ROLLOUT_COMPLETE,
    ROLLOUT_PENDING,
    ROLLOUT_PROGRESSING,
    ROLLOUT_STUCK,
    AdapterHealth,
    ConfigObject,
    ContainerState,
    EventRow,
    HpaStatus,
    ImageRef,
    PodRow,
    Revision,
)

Obj = dict[str, Any]
_EMPTY: Obj = {}
_intern = sys.intern

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1,
    "m": 0.001,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


class AdapterMatcher:
    """Maps a label value to a platform with the configured regex, remembering answers."""

    def __init__(self, label: str, pattern: str) -> None:
        self.label = label
        self._pattern = re.compile(pattern)
        self._seen: dict[str, str | None] = {}

    def platform(self, labels: Obj | None) -> str | None:
        if not labels:
            return None
        value = labels.get(self.label)
        if value is None:
            return None
        try:
            return self._seen[value]
        except KeyError:
            m = self._pattern.match(value)
            found = _intern(m.group("platform")) if m else None
            if len(self._seen) < 10_000:  # label values are few; never grow without bound
                self._seen[value] = found
            return found


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_quantity(value: object) -> int | None:
    """A Kubernetes quantity ("512Mi", "1G", "0.5Gi", "129e6") in whole units, rounded up."""
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value.strip())
    if not m or m.group(2) not in _SUFFIX:
        return None
    try:
        amount = float(m.group(1)) * _SUFFIX[m.group(2)]
    except ValueError:
        return None
    whole = int(amount)
    return whole + 1 if amount > whole else whole


def is_pinned(image: str) -> bool:
    return _DIGEST.search(image) is not None


def _str(value: object) -> str | None:
    return _intern(value) if isinstance(value, str) and value else None


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def _termination(term: Obj) -> tuple[str | None, int | None, datetime | None]:
    code = term.get("exitCode")
    return (
        _str(term.get("reason")),
        code if isinstance(code, int) else None,
        parse_time(term.get("finishedAt")),
    )


def _container(spec: Obj, status: Obj | None, kind: str) -> ContainerState:
    resources = spec.get("resources") or _EMPTY
    requests = resources.get("requests") or _EMPTY
    limits = resources.get("limits") or _EMPTY
    image = spec.get("image") or (status or _EMPTY).get("image") or ""
    if status is None:
        state, reason, ready, restarts = "unknown", None, False, 0
        last: tuple[str | None, int | None, datetime | None] = (None, None, None)
    else:
        current = status.get("state") or _EMPTY
        if "running" in current:
            state, reason = "running", None
        elif "waiting" in current:
            state, reason = "waiting", _str((current["waiting"] or _EMPTY).get("reason"))
        elif "terminated" in current:
            state, reason = "terminated", _str((current["terminated"] or _EMPTY).get("reason"))
        else:
            state, reason = "unknown", None
        ready = status.get("ready") is True
        restarts = _int(status.get("restartCount"))
        previous = (status.get("lastState") or _EMPTY).get("terminated")
        last = _termination(previous) if previous else (None, None, None)
    return ContainerState(
        name=_intern(spec.get("name") or "?"),
        kind=kind,
        image=_intern(image),
        state=state,
        reason=reason,
        ready=ready,
        restart_count=restarts,
        last_reason=last[0],
        last_exit_code=last[1],
        last_finished_at=last[2],
        memory_request=parse_quantity(requests.get("memory")),
        memory_limit=parse_quantity(limits.get("memory")),
    )


def _by_name(statuses: object) -> dict[str, Obj]:
    if not isinstance(statuses, list):
        return {}
    return {str(s.get("name")): s for s in statuses if isinstance(s, dict)}


def parse_pod(obj: Obj, matcher: AdapterMatcher) -> PodRow:
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    containers: list[ContainerState] = []
    init_status = _by_name(status.get("initContainerStatuses"))
    for c in spec.get("initContainers") or ():
        kind = "sidecar" if c.get("restartPolicy") == "Always" else "init"
        containers.append(_container(c, init_status.get(str(c.get("name"))), kind))
    app_status = _by_name(status.get("containerStatuses"))
    for c in spec.get("containers") or ():
        containers.append(_container(c, app_status.get(str(c.get("name"))), "app"))
    ready = False
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
            break
    owner = None
    for ref in meta.get("ownerReferences") or ():
        if ref.get("kind") == "ReplicaSet":
            owner = ref.get("name")
            break
    return PodRow(
        namespace=_intern(meta.get("namespace") or ""),
        name=meta.get("name") or "?",
        platform=matcher.platform(meta.get("labels")),
        phase=_intern(status.get("phase") or "Unknown"),
        reason=_str(status.get("reason")),
        ready=ready,
        deleting=bool(meta.get("deletionTimestamp")),
        containers=tuple(containers),
        node=_str(spec.get("nodeName")),
        created=parse_time(meta.get("creationTimestamp")),
        owner_rs=owner,
        ip=_str(status.get("podIP")),
    )


def _images(template_spec: Obj) -> tuple[ImageRef, ...]:
    refs = []
    for group in ("initContainers", "containers"):
        for c in template_spec.get(group) or ():
            image = c.get("image") or ""
            refs.append(ImageRef(_intern(c.get("name") or "?"), _intern(image), is_pinned(image)))
    return tuple(refs)


def rollout_status(obj: Obj) -> tuple[str, str]:
    """kubectl's DeploymentStatusViewer: (state, the message `kubectl rollout status` prints)."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    name = meta.get("name") or "?"
    if _int(meta.get("generation")) > _int(status.get("observedGeneration")):
        return ROLLOUT_PENDING, "Waiting for deployment spec update to be observed..."
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return ROLLOUT_STUCK, f'deployment "{name}" exceeded its progress deadline'
    desired = _int(spec.get("replicas"), 1)  # the API server's default
    updated = _int(status.get("updatedReplicas"))
    current = _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    wait = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < desired:
        return (
            ROLLOUT_PROGRESSING,
            f"{wait}{updated} out of {desired} new replicas have been updated...",
        )
    if current > updated:
        return (
            ROLLOUT_PROGRESSING,
            f"{wait}{current - updated} old replicas are pending termination...",
        )
    if available < updated:
        return (
            ROLLOUT_PROGRESSING,
            f"{wait}{available} of {updated} updated replicas are available...",
        )
    return ROLLOUT_COMPLETE, f'deployment "{name}" successfully rolled out'


def parse_deployment(obj: Obj, matcher: AdapterMatcher) -> AdapterHealth | None:
    """An adapter Deployment, or None when its label does not name a platform."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    template = spec.get("template") or _EMPTY
    platform = matcher.platform(meta.get("labels")) or matcher.platform(
        (template.get("metadata") or _EMPTY).get("labels")
    )
    if platform is None:
        return None
    status = obj.get("status") or _EMPTY
    state, message = rollout_status(obj)
    revision = (meta.get("annotations") or _EMPTY).get(REVISION_ANNOTATION)
    match_labels = (spec.get("selector") or _EMPTY).get("matchLabels") or _EMPTY
    return AdapterHealth(
        platform=platform,
        namespace=_intern(meta.get("namespace") or ""),
        name=meta.get("name") or "?",
        desired=_int(spec.get("replicas"), 1),  # the API server defaults it to 1
        current=_int(status.get("replicas")),
        ready=_int(status.get("readyReplicas")),
        updated=_int(status.get("updatedReplicas")),
        available=_int(status.get("availableReplicas")),
        rollout=state,
        rollout_message=message,
        paused=spec.get("paused") is True,
        images=_images(template.get("spec") or _EMPTY),
        revision=int(revision) if isinstance(revision, str) and revision.isdigit() else None,
        selector=tuple(sorted((str(k), str(v)) for k, v in match_labels.items())),
        created=parse_time(meta.get("creationTimestamp")),
    )


def parse_replicaset(obj: Obj) -> tuple[str, str, Revision] | None:
    """(namespace, owning Deployment, revision), or None for a ReplicaSet no Deployment owns."""
    meta = obj.get("metadata") or _EMPTY
    owner = next(
        (r.get("name") for r in meta.get("ownerReferences") or () if r.get("kind") == "Deployment"),
        None,
    )
    annotations = meta.get("annotations") or _EMPTY
    revision = annotations.get(REVISION_ANNOTATION)
    if owner is None or not (isinstance(revision, str) and revision.isdigit()):
        return None
    spec = obj.get("spec") or _EMPTY
    status = obj.get("status") or _EMPTY
    template_spec = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    return (
        _intern(meta.get("namespace") or ""),
        owner,
        Revision(
            revision=int(revision),
            replicaset=meta.get("name") or "?",
            replicas=_int(status.get("replicas")),
            ready=_int(status.get("readyReplicas")),
            images=tuple(i.image for i in _images(template_spec)),
            created=parse_time(meta.get("creationTimestamp")),
            change_cause=_str(annotations.get(CHANGE_CAUSE_ANNOTATION)),
        ),
    )


def parse_config_object(obj: Obj, kind: str) -> ConfigObject:
    """Only the name and when it changed: a Secret's values are never kept, a ConfigMap's
    are not needed."""
    meta = obj.get("metadata") or _EMPTY
    times = [parse_time(f.get("time")) for f in meta.get("managedFields") or ()]
    changed = max((t for t in times if t is not None), default=None)
    return ConfigObject(
        namespace=_intern(meta.get("namespace") or ""),
        kind=kind,
        name=meta.get("name") or "?",
        changed_at=changed or parse_time(meta.get("creationTimestamp")),
    )


def parse_hpa(obj: Obj) -> tuple[str, str, HpaStatus] | None:
    """(namespace, target Deployment, autoscaler) for an autoscaling/v2 HPA of a Deployment."""
    meta = obj.get("metadata") or _EMPTY
    spec = obj.get("spec") or _EMPTY
    target = spec.get("scaleTargetRef") or _EMPTY
    if target.get("kind") != "Deployment" or not target.get("name"):
        return None
    status = obj.get("status") or _EMPTY
    current = status.get("currentReplicas")
    desired = status.get("desiredReplicas")
    return (
        meta.get("namespace") or "",
        target["name"],
        HpaStatus(
            name=meta.get("name") or "?",
            min_replicas=_int(spec.get("minReplicas"), 1),
            max_replicas=_int(spec.get("maxReplicas")),
            current_replicas=current if isinstance(current, int) else None,
            desired_replicas=desired if isinstance(desired, int) else None,
            last_scale=parse_time(status.get("lastScaleTime")),
        ),
    )


def parse_event(obj: Obj) -> EventRow:
    """A core/v1 Event; newer emitters leave lastTimestamp empty and set eventTime/series."""
    meta = obj.get("metadata") or _EMPTY
    involved = obj.get("involvedObject") or _EMPTY
    series = obj.get("series") or _EMPTY
    source = obj.get("source") or _EMPTY
    first = parse_time(obj.get("firstTimestamp")) or parse_time(obj.get("eventTime"))
    last = (
        parse_time(obj.get("lastTimestamp"))
        or parse_time(series.get("lastObservedTime"))
        or parse_time(obj.get("eventTime"))
        or parse_time(meta.get("creationTimestamp"))
    )
    count = obj.get("count") or series.get("count") or 1
    return EventRow(
        namespace=_intern(meta.get("namespace") or ""),
        name=meta.get("name") or "?",
        type=_intern(obj.get("type") or "Normal"),
        reason=_intern(obj.get("reason") or ""),
        message=(obj.get("message") or "").strip(),
        object_kind=_intern(involved.get("kind") or ""),
        object_name=involved.get("name") or "",
        count=count if isinstance(count, int) else 1,
        first_seen=first or last,
        last_seen=last,
        source=_intern(source.get("component") or obj.get("reportingComponent") or ""),
    )
