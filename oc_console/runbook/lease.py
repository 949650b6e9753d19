"""A coordination.k8s.io/v1 Lease per target, so two engineers, or two consoles of one
engineer, cannot act on the same adapter at once: the holder names the console process
(Operator.lease_holder), and any other holder string is someone else. The Lease is named after
the target and expires by itself (a crashed console must not block the next engineer for
longer than the TTL)."""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oc_console.runbook.kubeapi import KubeApi, KubeCallError

TTL_SECONDS = 300
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def lease_name(kind: str, name: str) -> str:
    """oc-console-<kind>-<name>, kept a valid DNS name; long names keep a hash suffix."""
    raw = _NOT_DNS.sub("-", f"oc-console-{kind}-{name}".lower()).strip("-")
    if len(raw) <= 63:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{raw[:54].rstrip('-')}-{digest}"


def _span(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60}m{s % 60:02d}s"


@dataclass(frozen=True)
class Holder:
    identity: str
    remaining_s: float
    held_s: float | None = None  # since its acquireTime, when the Lease says

    def describe(self) -> str:
        since = f" (taken {_span(self.held_s)} ago)" if self.held_s is not None else ""
        return f"lease held by {self.identity} for another {_span(self.remaining_s)}{since}"


def _micro(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


class LeaseGuard:
    def __init__(self, kube: KubeApi, namespace: str, name: str, identity: str) -> None:
        self.kube, self.namespace, self.name, self.identity = kube, namespace, name, identity
        self._path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self._held: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"Lease {self.namespace}/{self.name}"

    def _get(self) -> dict[str, Any] | None:
        try:
            lease: dict[str, Any] = self.kube.call(
                "GET", f"{self._path}/{self.name}", verb="get", resource="leases",
                namespace=self.namespace,
            )  # fmt: skip
        except KubeCallError as exc:
            if exc.status == 404:
                return None
            raise
        return lease

    def other_holder(self, lease: dict[str, Any] | bool | None = True,
                     now: datetime | None = None) -> Holder | None:  # fmt: skip
        """Someone else's unexpired hold on the target, or None. Any holder string but ours
        is someone else: ours names this very process (Operator.lease_holder), so the same
        person in another terminal is refused too. `lease`: the Lease as read (None: there
        is none), or True to read it now."""
        lease = self._get() if lease is True else lease
        if not isinstance(lease, dict):
            return None
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        if not holder or holder == self.identity:
            return None
        acquired = _parse(spec.get("acquireTime"))
        renewed = _parse(spec.get("renewTime")) or acquired
        ttl = float(spec.get("leaseDurationSeconds") or 0)
        if renewed is None:
            return None
        now = now or datetime.now(UTC)
        left = (renewed + timedelta(seconds=ttl) - now).total_seconds()
        held = (now - acquired).total_seconds() if acquired else None
        return Holder(holder, left, held) if left > 0 else None

    def acquire(self) -> Holder | None:
        """Take the Lease; the other holder when someone has it (nothing is written then)."""
        current = self._get()
        other = self.other_holder(current)
        if other is not None:
            return other
        now = _micro(datetime.now(UTC))
        spec = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": TTL_SECONDS,
            "acquireTime": now,
            "renewTime": now,
        }
        try:
            if current is None:
                body = {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": spec,
                }
                self._held = self.kube.call(
                    "POST", self._path, body=body, verb="create", resource="leases",
                    namespace=self.namespace,
                )  # fmt: skip
            else:
                # resourceVersion makes this a compare-and-swap: a racing engineer gets a 409
                current["spec"] = spec
                self._held = self.kube.call(
                    "PUT", f"{self._path}/{self.name}", body=current, verb="update",
                    resource="leases", namespace=self.namespace,
                )  # fmt: skip
        except KubeCallError as exc:
            if exc.status == 409:
                return self.other_holder() or Holder("another console", TTL_SECONDS)
            raise
        return None

    def release(self) -> None:
        """Give the Lease back (only ours: a precondition on its resourceVersion)."""
        if self._held is None:
            return
        meta = self._held.get("metadata") or {}
        body = {"preconditions": {"resourceVersion": meta.get("resourceVersion")}}
        self._held = None
        # on failure it expires by itself after its TTL; the action's outcome stands
        with contextlib.suppress(KubeCallError):
            self.kube.call(
                "DELETE", f"{self._path}/{self.name}", body=body, verb="delete",
                resource="leases", namespace=self.namespace,
            )  # fmt: skip
