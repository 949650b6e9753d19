"""The one order of findings (the Overview and `check`): worst first, and within a severity the
first move, then what hurts now, then what hurts soon, then risks, and policy last."""

from __future__ import annotations

from datetime import timedelta

from oc_console.analysis.changes import changed_before_it_broke, fleet_changes
from oc_console.analysis.database import pool_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.orders import recent_failure_findings
from oc_console.analysis.release_findings import release_findings
from oc_console.cli.report import check_json
from oc_console.domain.findings import Finding, Severity, Urgency, by_urgency
from oc_console.domain.orders import FailureGroup, RecentFailures
from oc_console.domain.snapshot import ConsoleSnapshot
from tests.unit import factories
from tests.unit.releases_fleet import NOW as RELEASE_NOW
from tests.unit.releases_fleet import sandbox_objects, snapshot
from tests.unit.test_changes_analysis import with_rollout_before_breakage
from tests.unit.test_kube_analysis import NOW, fleet

HYGIENE_RULES = {"image-not-pinned", "argocd-auto-sync", "crd-v1alpha1"}


def incident() -> list[Finding]:
    """What the console finds in a fleet mid-incident: a crash loop that began 2 min after a
    rollout, OOM kills, an expiring certificate, a leaking pool, and policy findings."""
    snap = with_rollout_before_breakage(fleet(), timedelta(minutes=2))
    leaked = tuple(factories.session(1000 + i, "sync-worker") for i in range(120))
    pool = factories.pool(
        idle_in_transaction_count=120,
        idle_in_transaction=leaked,
        sessions_by_state=(("idle in transaction", 120), ("idle", 10)),
        sessions_by_application=(("sync-worker", 120), ("app", 10)),
    )
    found = [*kube_findings(snap, NOW), *pool_findings(pool)]
    found += changed_before_it_broke(snap, fleet_changes(snap))
    return found


def rows(findings: list[Finding]) -> list[str]:
    return [f.id for f in by_urgency(findings)]


def test_the_rollout_that_started_the_crash_loop_leads_the_criticals() -> None:
    order = by_urgency(incident())
    first = order[0]
    assert first.id == "changed-before-it-broke", rows(incident())
    assert first.urgency is Urgency.FIRST_MOVE and "roll it back first" in first.summary
    # it ranks with the crash loop it explains, then every other critical follows it
    assert [f.severity for f in order[1:5]] == [Severity.CRITICAL] * 4


def test_within_warnings_an_expiring_certificate_comes_before_image_by_tag() -> None:
    order = rows(incident())
    assert order.index("cert-expiring") < order.index("image-not-pinned")
    assert order.index("rollout-stuck") < order.index("cert-expiring")
    # hygiene goes last, after the policy risks that will bite at the next renewal
    tail = [i for i in order if i in HYGIENE_RULES]
    assert order[-len(tail) :] == tail
    assert order.index("cert-renew-before-policy") < order.index("image-not-pinned")


def test_policy_findings_of_a_release_go_last_and_are_marked_hygiene() -> None:
    snap = snapshot(sandbox_objects(frozenset({"crashloop", "webhook"})))
    found = release_findings(snap, RELEASE_NOW) + incident()
    order = by_urgency(found)
    hygiene = [f for f in order if f.hygiene]
    assert {f.id for f in hygiene} >= {"argocd-auto-sync", "image-not-pinned"}
    assert order[-len(hygiene) :] == hygiene
    # the drift that applied a failed revision is not hygiene: it is the crash loop's cause
    failed_drift = [f for f in found if f.id == "release-drift" and f.runbook]
    assert failed_drift and not any(f.hygiene for f in failed_drift)


def test_a_sooner_expiry_and_a_wider_harm_come_first() -> None:
    def cert(name: str, days: float) -> Finding:
        return Finding(
            "cert-expiring", Severity.WARNING, f"openclaw/{name}", f"{name} expires.",
            urgency=Urgency.SOON, hurts_in=days * 86400,
        )  # fmt: skip

    def orders(platform: str, n: int) -> Finding:
        return Finding(
            "order-sync-failed", Severity.WARNING, f"orders/{platform}", f"{n} orders.", touches=n
        )

    found = [cert("late", 9), orders("tiktok", 3), cert("soon", 2), orders("lazada", 72)]
    assert [f.subject for f in by_urgency(found)] == [
        "orders/lazada", "orders/tiktok", "openclaw/soon", "openclaw/late",
    ]  # fmt: skip


def test_check_lists_the_findings_in_the_same_order_as_the_overview() -> None:
    found = incident()
    snap = ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, (), None, tuple(found))
    listed = [(f["id"], f["subject"]) for f in check_json(snap)["findings"]]
    assert listed == [(f.id, f.subject) for f in snap.sorted_findings]
    assert listed[0][0] == "changed-before-it-broke"
    assert check_json(snap)["findings"][0]["urgency"] == "first-move"


def test_a_days_trickle_of_failed_orders_waits_behind_an_expiring_certificate() -> None:
    """The demo seeds ~3 failed orders an hour per platform: a trickle to replay, no clock;
    a burst (hundreds in the day) is harm now and leads the warnings."""
    recent = RecentFailures(
        24,
        (
            FailureGroup("lazada", "platform API returned 429", 72, NOW, ("L-1",)),
            FailureGroup("tiktok", "platform API returned 500", 480, NOW, ("T-1",)),
        ),
    )
    found = recent_failure_findings(recent) + incident()
    order = [(f.id, f.subject) for f in by_urgency(found) if f.severity is Severity.WARNING]
    burst = order.index(("order-sync-failed", "orders/tiktok"))
    trickle = order.index(("order-sync-failed", "orders/lazada"))
    assert burst < order.index(("cert-expiring", "openclaw/webhooks")) < trickle
