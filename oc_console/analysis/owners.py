"""Which Deployment owns a PostgreSQL application_name: the adapters name their connections
after themselves (`application_name = openclaw-adapter-amazon`), so the pool runbook and the
Database screen can say whose sessions leak. (Matching `client_addr` against pod IPs needs the
pods' IPs, which the fleet snapshot does not keep yet.)"""

from __future__ import annotations

from dataclasses import dataclass

from oc_console.domain.database import PoolSnapshot
from oc_console.domain.kube import FleetSnapshot


@dataclass(frozen=True)
class SessionOwner:
    application_name: str
    namespace: str
    deployment: str
    sessions: int


def session_owners(pool: PoolSnapshot, fleet: FleetSnapshot | None) -> tuple[SessionOwner, ...]:
    """Owners of the applications with sessions, most sessions first."""
    if fleet is None:
        return ()
    by_name = {a.name: a for a in fleet.adapters}
    return tuple(
        SessionOwner(app, by_name[app].namespace, by_name[app].name, n)
        for app, n in pool.sessions_by_application
        if app in by_name
    )
