"""application_name -> the adapter Deployment that owns those sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_console.analysis.owners import session_owners
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from tests.unit.factories import pool


def _adapter(name: str) -> AdapterHealth:
    return AdapterHealth(
        platform=name.rsplit("-", 1)[-1], namespace="openclaw", name=name, desired=1,
        current=1, ready=1, updated=1, available=1, rollout="complete", rollout_message="",
        paused=False, images=(), revision=1, selector=(), created=datetime.now(UTC),
    )  # fmt: skip


def test_session_owners_map_application_names_to_adapter_deployments() -> None:
    fleet = FleetSnapshot("ctx", ("openclaw",), (_adapter("openclaw-adapter-amazon"),), (), (), ())
    snap = pool(sessions_by_application=(("openclaw-adapter-amazon", 120), ("psql", 2)))
    [owner] = session_owners(snap, fleet)
    assert (owner.application_name, owner.namespace, owner.deployment, owner.sessions) == (
        "openclaw-adapter-amazon", "openclaw", "openclaw-adapter-amazon", 120)  # fmt: skip
    assert session_owners(snap, None) == ()
