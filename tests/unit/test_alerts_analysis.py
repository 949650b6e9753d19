"""Which finding explains which page: alert-to-finding matching, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oc_console.analysis.alerts import (
    ClearedFindings,
    annotate,
    match_alerts,
    unexplained_findings,
)
from oc_console.domain.alerts import Alert
from oc_console.domain.findings import Finding, Severity
from oc_console.sources.alertmanager import parse_alert

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def alert(name: str, state: str = "active", minutes: int = 10, **labels: str) -> Alert:
    return Alert(
        fingerprint=name + repr(sorted(labels.items())),
        labels=tuple(sorted({"alertname": name, **labels}.items())),
        state=state,
        starts_at=NOW - timedelta(minutes=minutes),
    )


def finding(id: str, subject: str, severity: Severity = Severity.CRITICAL) -> Finding:
    return Finding(id=id, severity=severity, subject=subject, summary=f"{id} on {subject}")


OOM_AMAZON = finding("adapter-oomkilled", "openclaw/openclaw-adapter-amazon")
OOM_SHOPEE = finding("adapter-oomkilled", "openclaw/openclaw-adapter-shopee")
ERRORS_TIKTOK = finding("adapter-error-rate", "openclaw/openclaw-adapter-tiktok")
POOL = finding("pool-idle-in-transaction", "postgres")


def test_an_alert_is_explained_by_the_finding_its_labels_point_at() -> None:
    page = alert("AdapterOOMKilled", namespace="openclaw", pod="openclaw-adapter-amazon-5d-x2k4q")
    (m,) = match_alerts([page], [OOM_SHOPEE, OOM_AMAZON])
    assert m.finding is OOM_AMAZON


def test_the_right_rule_on_the_wrong_subject_explains_nothing() -> None:
    page = alert("AdapterOOMKilled", namespace="openclaw", pod="openclaw-adapter-lazada-5d-x2k4q")
    (m,) = match_alerts([page], [OOM_AMAZON, ERRORS_TIKTOK])
    assert m.finding is None


def test_a_finding_of_another_rule_on_the_same_subject_explains_nothing() -> None:
    page = alert("AdapterHighErrorRate", namespace="openclaw", platform="amazon")
    (m,) = match_alerts([page], [OOM_AMAZON])
    assert m.finding is None


def test_an_unmapped_alert_is_unexplained_not_guessed_from_labels() -> None:
    page = alert("InventoryFeedStale", namespace="openclaw", platform="tiktok")
    matches = match_alerts([page], [ERRORS_TIKTOK])
    assert matches[0].finding is None
    (warning,) = unexplained_findings(matches, NOW)
    assert warning.id == "alert-unexplained" and warning.severity == Severity.WARNING
    assert "InventoryFeedStale" in warning.summary and "firing 10m)" in warning.summary
    assert warning.pages == ("InventoryFeedStale",)


def test_the_mapping_is_configurable_and_labels_can_be_renamed() -> None:
    page = alert("TeamTiktokErrors", kubernetes_namespace="openclaw", app="openclaw-adapter-tiktok")
    matches = match_alerts(
        [page],
        [ERRORS_TIKTOK],
        alert_findings={"TeamTiktokErrors": ["adapter-error-rate"]},
        label_renames={"kubernetes_namespace": "namespace", "app": "deployment"},
    )
    assert matches[0].finding is ERRORS_TIKTOK


def test_several_alerts_for_one_finding_all_name_it_and_it_names_them_once() -> None:
    pods = ("openclaw-adapter-amazon-5d-a", "openclaw-adapter-amazon-5d-b")
    pages = [alert("AdapterOOMKilled", namespace="openclaw", pod=p) for p in pods]
    matches = match_alerts(pages, [OOM_AMAZON])
    assert [m.finding for m in matches] == [OOM_AMAZON, OOM_AMAZON]
    (annotated,) = annotate([OOM_AMAZON], matches)
    assert annotated.pages == ("AdapterOOMKilled",)
    assert unexplained_findings(matches, NOW) == []


def test_a_finding_outside_kubernetes_is_matched_by_rule() -> None:
    page = alert("PoolIdleInTransaction", datname="openclaw")
    assert match_alerts([page], [POOL])[0].finding is POOL


def test_silenced_alerts_do_not_page() -> None:
    page = alert("InventoryFeedStale", state="suppressed", platform="shopify")
    matches = match_alerts([page], [])
    assert unexplained_findings(matches, NOW) == []
    assert annotate([OOM_AMAZON], matches) == [OOM_AMAZON]


def test_worst_and_longest_firing_first() -> None:
    pages = [
        alert("QueueBacklog", minutes=50, severity="warning"),
        alert("AdapterOOMKilled", minutes=5, severity="critical"),
        alert("AdapterThrottled", minutes=90, severity="warning"),
    ]
    order = [m.alert.alertname for m in match_alerts(pages, [])]
    assert order == ["AdapterOOMKilled", "AdapterThrottled", "QueueBacklog"]


def test_parse_alert_from_the_api_v2_shape() -> None:
    doc = {
        "labels": {"alertname": "QueueBacklog", "platform": "lazada", "severity": "warning"},
        "annotations": {"summary": "lazada queue backs up"},
        "startsAt": "2026-11-29T02:35:00.123Z",
        "endsAt": "2026-11-29T03:05:00Z",
        "fingerprint": "4f1a",
        "status": {"state": "suppressed", "silencedBy": ["a1"], "inhibitedBy": []},
    }
    a = parse_alert(doc)
    assert a.alertname == "QueueBacklog" and a.label("platform") == "lazada"
    assert a.state == "suppressed" and not a.firing and a.silenced_by == ("a1",)
    assert a.starts_at == datetime(2026, 11, 29, 2, 35, 0, 123000, tzinfo=UTC)


def test_a_page_whose_finding_just_cleared_is_resolving_not_unexplained() -> None:
    """The pool runbook fixed the pool: the finding is gone, Alertmanager still fires."""
    memory = ClearedFindings()
    assert memory.update([POOL], NOW - timedelta(seconds=40)) == []
    cleared = memory.update([], NOW)
    assert cleared == [(POOL, NOW - timedelta(seconds=40))]
    page = alert("PoolIdleInTransaction", namespace="openclaw")
    (match,) = match_alerts([page], [], cleared=cleared)
    assert match.finding is None and match.cleared_at == NOW - timedelta(seconds=40)
    assert unexplained_findings((match,), NOW) == []
    # a cleared finding of another rule or subject does not make a page resolving
    (other,) = match_alerts([alert("AdapterOOMKilled", namespace="openclaw")], [], cleared=cleared)
    assert other.cleared_at is None and len(unexplained_findings((other,), NOW)) == 1


def test_a_finding_cleared_long_ago_leaves_the_page_unexplained_again() -> None:
    memory = ClearedFindings(window=timedelta(minutes=15))
    memory.update([POOL], NOW - timedelta(minutes=16))
    assert memory.update([], NOW) == []
    memory.update([POOL], NOW)
    assert memory.update([POOL], NOW + timedelta(seconds=5)) == []  # still there: not cleared
