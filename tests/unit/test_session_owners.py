"""application_name and client_addr -> the Deployment (and pod) that owns those sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_console.analysis.database import pool_findings
from oc_console.analysis.owners import ADDRESS, BOTH, NAME, owners_line, session_owners
from oc_console.domain.kube import AdapterHealth, FleetSnapshot, PodRow
from tests.unit.factories import pool, session


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


def _pod(
    name: str, ip: str | None, platform: str | None = "amazon", phase: str = "Running"
) -> PodRow:
    return PodRow(
        namespace="openclaw", name=name, platform=platform, phase=phase, reason=None, ready=True,
        deleting=False, containers=(), node=None, created=None,
        owner_rs=name.rsplit("-", 1)[0], ip=ip,
    )  # fmt: skip


AMAZON = "openclaw-adapter-amazon"
EBAY = "openclaw-adapter-ebay"
AMAZON_POD = f"{AMAZON}-7d9f8c-x2k4q"
EBAY_POD = f"{EBAY}-5c6b7a-q9w8e"


def _fleet(*pods: PodRow) -> FleetSnapshot:
    adapters = (_adapter(AMAZON), _adapter(EBAY))
    return FleetSnapshot("ctx", ("openclaw",), adapters, pods, (), ())


def test_a_session_without_a_name_is_owned_by_its_pods_deployment_by_address() -> None:
    fleet = _fleet(_pod(AMAZON_POD, "10.42.1.7"), _pod(EBAY_POD, "10.42.2.9", "ebay"))
    snap = pool(sessions_by_client=(("", "10.42.1.7", 20), ("", "10.9.9.9", 3)))
    [owner] = session_owners(snap, fleet)
    assert (owner.deployment, owner.pod, owner.matched, owner.sessions) == (
        AMAZON, AMAZON_POD, ADDRESS, 20)  # fmt: skip
    assert owner.label == f"{AMAZON} ({AMAZON_POD})" and owner.client_addr == "10.42.1.7"
    assert owners_line((owner,)) == f"{AMAZON} ({AMAZON_POD}) 20 by address"


def test_name_and_address_agreeing_match_both_and_the_address_wins_a_disagreement() -> None:
    fleet = _fleet(_pod(AMAZON_POD, "10.42.1.7"), _pod(EBAY_POD, "10.42.2.9", "ebay"))
    snap = pool(
        sessions_by_client=(
            (AMAZON, "10.42.1.7", 50),  # both clues agree
            (AMAZON, "10.42.2.9", 4),  # ebay's pod calls itself amazon: the address wins
            (AMAZON, "127.0.0.1", 2),  # not a pod: the name alone
        )
    )
    owners = {(o.deployment, o.pod, o.matched): o.sessions for o in session_owners(snap, fleet)}
    assert owners == {
        (AMAZON, AMAZON_POD, BOTH): 50, (EBAY, EBAY_POD, ADDRESS): 4, (AMAZON, None, NAME): 2,
    }  # fmt: skip


def test_a_shared_or_released_ip_names_no_pod() -> None:
    # hostNetwork pods share their node's IP; a finished pod gave its IP back
    fleet = _fleet(
        _pod(AMAZON_POD, "10.0.0.5"),
        _pod(EBAY_POD, "10.0.0.5", "ebay"),
        _pod(f"{AMAZON}-7d9f8c-old00", "10.42.1.8", phase="Succeeded"),
    )
    snap = pool(sessions_by_client=(("", "10.0.0.5", 5), ("", "10.42.1.8", 1)))
    assert session_owners(snap, fleet) == ()


def test_a_pod_that_is_no_adapter_is_owned_by_its_replicasets_deployment() -> None:
    fleet = _fleet(_pod("sync-worker-6f7d8c-abcde", "10.42.3.3", platform=None))
    [owner] = session_owners(pool(sessions_by_client=(("", "10.42.3.3", 2),)), fleet)
    assert owner.label == "sync-worker (sync-worker-6f7d8c-abcde)" and owner.matched == ADDRESS


def test_pool_findings_name_the_deployment_and_pod_that_hold_the_sessions() -> None:
    fleet = _fleet(_pod(AMAZON_POD, "10.42.1.7"))
    leaked = tuple(session(i, "", client_addr="10.42.1.7", xact_age_s=900.0) for i in range(1, 131))
    snap = pool(
        max_connections=140, sessions_by_state=(("idle in transaction", 130),),
        sessions_by_application=(("", 130),), sessions_by_client=(("", "10.42.1.7", 130),),
        idle_in_transaction_count=130, idle_in_transaction=leaked,
    )  # fmt: skip
    found = {f.id: f for f in pool_findings(snap, fleet=fleet)}
    who = f"{AMAZON} ({AMAZON_POD})"
    assert f"owners: {who} 130 by address" in found["pool-saturation"].evidence
    assert f"owners: {who} by address 130" in found["pool-idle-in-transaction"].evidence
    assert f"-> {who} by address" in found["pool-long-idle-transaction"].evidence[0]
    # without the fleet the findings stand as before, with no owner
    assert not any("owners" in e for f in pool_findings(snap) for e in f.evidence)
