"""Which Deployment owns PostgreSQL sessions, so the pool runbook and the Database screen can
say whose sessions leak.

Two clues, each incomplete alone:
- `application_name`: the adapters name their connections after themselves
  (`openclaw-adapter-amazon`), but a library default leaves it empty or shared;
- `client_addr`: a pod's IP (`status.podIP`) names the pod, hence its Deployment, whatever the
  client called itself. Pods that share an IP (hostNetwork) name nobody.

When both point at the same Deployment the owner matched "both"; when they disagree the address
wins: any client can claim a name, only the pod holds its IP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from oc_console.domain.database import PoolSnapshot, Session
from oc_console.domain.kube import FleetSnapshot, PodRow

NAME, ADDRESS, BOTH = "name", "address", "both"
_MATCHED_TEXT = {NAME: "by name", ADDRESS: "by address", BOTH: "by name and address"}
# A pod that ended gave its IP back: another pod may hold it now.
_ENDED = frozenset({"Succeeded", "Failed"})


@dataclass(frozen=True)
class SessionOwner:
    application_name: str
    namespace: str
    deployment: str
    sessions: int
    pod: str | None = None  # known when the address matched
    client_addr: str | None = None
    matched: str = NAME  # NAME, ADDRESS or BOTH

    @property
    def label(self) -> str:
        """ "Deployment (pod)", or the Deployment alone when only the name matched."""
        return f"{self.deployment} ({self.pod})" if self.pod else self.deployment

    @property
    def matched_text(self) -> str:
        return _MATCHED_TEXT[self.matched]


@dataclass(frozen=True)
class Owner:
    namespace: str
    deployment: str
    pod: str | None
    matched: str

    @property
    def label(self) -> str:
        return f"{self.deployment} ({self.pod})" if self.pod else self.deployment

    @property
    def matched_text(self) -> str:
        return _MATCHED_TEXT[self.matched]


def _deployment_of_rs(replicaset: str | None) -> str | None:
    """A Deployment's ReplicaSets are `<deployment>-<pod-template-hash>`."""
    if not replicaset or "-" not in replicaset:
        return None
    return replicaset.rsplit("-", 1)[0]


class OwnerIndex:
    """The fleet's adapters by name and its pods by IP, built once per refresh."""

    def __init__(self, fleet: FleetSnapshot) -> None:
        self._by_name = {a.name: a for a in fleet.adapters}
        self._adapter_of = {(a.namespace, a.platform): a.name for a in fleet.adapters}
        by_ip: dict[str, list[PodRow]] = {}
        for p in fleet.pods:
            if p.ip and p.phase not in _ENDED:
                by_ip.setdefault(p.ip, []).append(p)
        self._by_ip = {ip: pods[0] for ip, pods in by_ip.items() if len(pods) == 1}

    def _pod_owner(self, addr: str | None) -> tuple[str, str, str] | None:
        pod = self._by_ip.get(addr) if addr else None
        if pod is None:
            return None
        adapter = self._adapter_of.get((pod.namespace, pod.platform)) if pod.platform else None
        deployment = adapter or _deployment_of_rs(pod.owner_rs)
        return (pod.namespace, deployment, pod.name) if deployment else None

    def owner(self, application_name: str, client_addr: str | None) -> Owner | None:
        adapter = self._by_name.get(application_name) if application_name else None
        by_addr = self._pod_owner(client_addr)
        if by_addr is not None:
            namespace, deployment, pod = by_addr
            same = adapter is not None and (adapter.namespace, adapter.name) == (
                namespace,
                deployment,
            )
            return Owner(namespace, deployment, pod, BOTH if same else ADDRESS)
        if adapter is not None:
            return Owner(adapter.namespace, adapter.name, None, NAME)
        return None

    def of_session(self, s: Session) -> Owner | None:
        return self.owner(s.application_name, s.client_addr)


def _client_rows(pool: PoolSnapshot) -> Iterable[tuple[str, str | None, int]]:
    if pool.sessions_by_client:
        return pool.sessions_by_client
    # a snapshot without addresses (an older probe) still maps by name
    return ((app, None, n) for app, n in pool.sessions_by_application)


def session_owners(
    pool: PoolSnapshot, fleet: FleetSnapshot | None, index: OwnerIndex | None = None
) -> tuple[SessionOwner, ...]:
    """Owners of the sessions, one row per (application_name, Deployment, pod, match), most
    sessions first. `index`: the fleet's, when the caller built it already (10k pods: 5 ms)."""
    if fleet is None:
        return ()
    index = index or OwnerIndex(fleet)
    rows: dict[tuple[str, str, str, str | None, str], SessionOwner] = {}
    for app, addr, n in _client_rows(pool):
        o = index.owner(app, addr)
        if o is None:
            continue
        key = (app, o.namespace, o.deployment, o.pod, o.matched)
        seen = rows.get(key)
        total = n + (seen.sessions if seen else 0)
        addr_kept = addr if o.pod else None
        rows[key] = SessionOwner(app, o.namespace, o.deployment, total, o.pod, addr_kept, o.matched)
    return tuple(sorted(rows.values(), key=lambda o: (-o.sessions, o.deployment, o.pod or "")))


def owners_line(owners: tuple[SessionOwner, ...], limit: int = 3) -> str:
    """`openclaw-adapter-amazon (openclaw-adapter-amazon-7d9f-x2k4q) 20 by address, ...`"""
    return ", ".join(f"{o.label} {o.sessions} {o.matched_text}" for o in owners[:limit])
