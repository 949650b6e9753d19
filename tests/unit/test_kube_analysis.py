"""Findings from a fleet built out of the recorded API JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oc_console.analysis.kube import kube_findings
from oc_console.config import ADAPTER_PATTERN
from oc_console.domain.findings import Finding, Severity, Urgency
from oc_console.domain.kube import FleetSnapshot, PodLogTail
from oc_console.runbook.loader import load_dir
from oc_console.sources.kube import certs, parse
from oc_console.sources.kube.logs import parse_log_line

DATA = Path(__file__).parent / "data" / "kube"
MATCHER = parse.AdapterMatcher("app", ADAPTER_PATTERN)
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)


def items(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((DATA / name).read_text())["items"]
    return loaded


def fleet(logs: tuple[PodLogTail, ...] = ()) -> FleetSnapshot:
    revisions: dict[str, list[Any]] = {}
    for rs in filter(None, (parse.parse_replicaset(o) for o in items("replicasets.json"))):
        revisions.setdefault(rs[1], []).append(rs[2])
    adapters = []
    for obj in items("deployments.json"):
        row = parse.parse_deployment(obj, MATCHER)
        if row is not None:
            history = sorted(revisions.get(row.name, []), key=lambda r: -r.revision)
            adapters.append(replace(row, revisions=tuple(history)))
    secrets = {
        (ns, n): (f, e) for ns, n, f, e in map(certs.parse_tls_secret, items("secrets.json"))
    }
    return FleetSnapshot(
        context="test",
        namespaces=("openclaw",),
        adapters=tuple(adapters),
        pods=tuple(parse.parse_pod(o, MATCHER) for o in items("pods.json")),
        events=tuple(parse.parse_event(o) for o in items("events.json")),
        certificates=certs.join_certificates(
            [certs.parse_certificate(o) for o in items("certificates.json")], secrets
        ),
        logs=logs,
    )


def tail(pod: str, platform: str, lines: list[str], *, previous: bool) -> PodLogTail:
    return PodLogTail(
        namespace="openclaw",
        pod=pod,
        container="adapter",
        platform=platform,
        previous=previous,
        lines=tuple(parse_log_line(line) for line in lines),
        fetched_at=NOW,
    )


def by_id(findings: list[Finding]) -> dict[tuple[str, str], Finding]:
    return {(f.id, f.subject): f for f in findings}


def test_the_recorded_fleet_raises_exactly_these_findings() -> None:
    found = {(f.id, f.subject, f.severity) for f in kube_findings(fleet(), NOW)}
    assert found == {
        ("adapter-oomkilled", "openclaw/openclaw-adapter-amazon", Severity.CRITICAL),
        ("adapter-crashloop", "openclaw/openclaw-adapter-shopee", Severity.CRITICAL),
        ("adapter-unavailable", "openclaw/openclaw-adapter-shopee", Severity.CRITICAL),
        ("rollout-stuck", "openclaw/openclaw-adapter-shopee", Severity.WARNING),
        ("image-not-pinned", "openclaw/openclaw-adapter-shopee", Severity.WARNING),
        ("adapter-degraded", "openclaw/oc-adapter-tiktok", Severity.WARNING),
        ("image-not-pinned", "openclaw/oc-adapter-tiktok", Severity.WARNING),
        ("adapter-unavailable", "openclaw/openclaw-adapter-lazada", Severity.CRITICAL),
        ("image-not-pinned", "openclaw/openclaw-adapter-lazada", Severity.WARNING),
        ("cert-expiring", "openclaw/webhooks", Severity.WARNING),
        ("cert-renew-before-policy", "openclaw/webhooks", Severity.WARNING),
        ("cert-not-ready", "openclaw/api", Severity.WARNING),
        ("cert-not-ready", "openclaw/fresh", Severity.WARNING),
    }


def test_every_summary_is_one_sentence_and_runbooks_are_the_shipped_ids() -> None:
    logs = (
        tail("oc-adapter-tiktok-6b5d9c7f8-hh2lm", "tiktok", ["signature mismatch"], previous=False),
    )
    runbooks: set[str | None] = {None, *load_dir()}  # the shipped files, not a copy of their ids
    for f in kube_findings(fleet(logs), NOW):
        assert f.summary.endswith(".") and "\n" not in f.summary, f.summary
        assert ". " not in f.summary, f.summary
        assert f.runbook in runbooks
        assert f.evidence, f.id


def test_oomkilled_names_the_limit_restarts_and_time() -> None:
    f = by_id(kube_findings(fleet(), NOW))[
        ("adapter-oomkilled", "openclaw/openclaw-adapter-amazon")
    ]
    assert f.runbook == "adapter-oomkilled"
    assert "512Mi" in f.summary and "1 of 1" in f.summary
    (line,) = f.evidence
    assert "512Mi" in line and "4 restarts" in line and "2025-03-10 09:41:10Z" in line
    assert "exit 137" in line


def test_an_old_oom_kill_is_a_warning() -> None:
    later = NOW + timedelta(days=1)
    f = by_id(kube_findings(fleet(), later))[
        ("adapter-oomkilled", "openclaw/openclaw-adapter-amazon")
    ]
    assert f.severity == Severity.WARNING


def test_crashloop_carries_last_termination_and_previous_log() -> None:
    pod = "openclaw-adapter-shopee-59c7d8f4b-9tq7w"
    previous = tail(
        pod,
        "shopee",
        [
            '{"ts":"2025-03-10T09:55:02Z","level":"info","msg":"starting adapter"}',
            '{"ts":"2025-03-10T09:55:03Z","level":"fatal",'
            '"msg":"CRD orders.openclaw.io v2 not found"}',
        ],
        previous=True,
    )
    found = by_id(kube_findings(fleet((previous,)), NOW))
    f = found[("adapter-crashloop", "openclaw/openclaw-adapter-shopee")]
    assert f.runbook == "adapter-crashloop"
    assert "Error" in f.summary
    assert any("9 restarts" in e and "last exit 1 (Error)" in e for e in f.evidence)
    assert "  CRD orders.openclaw.io v2 not found" in f.evidence
    without = by_id(kube_findings(fleet(), NOW))[
        ("adapter-crashloop", "openclaw/openclaw-adapter-shopee")
    ]
    assert not any("previous log" in e for e in without.evidence)


def test_stuck_rollout_points_at_the_revision_to_roll_back_to() -> None:
    f = by_id(kube_findings(fleet(), NOW))[("rollout-stuck", "openclaw/openclaw-adapter-shopee")]
    assert "exceeded its progress deadline" in f.evidence[0]
    assert any("revision 3" in e for e in f.evidence)
    assert any("previous revision 2" in e for e in f.evidence)


def test_signature_mismatch_in_recent_logs_only() -> None:
    lines = (DATA / "adapter-tiktok.log").read_text().splitlines()
    recent = tail("oc-adapter-tiktok-6b5d9c7f8-hh2lm", "tiktok", lines, previous=False)
    f = by_id(kube_findings(fleet((recent,)), NOW))[
        ("webhook-signature-mismatch", "openclaw/oc-adapter-tiktok")
    ]
    assert f.severity == Severity.CRITICAL and f.runbook == "webhook-signature-mismatch"
    assert "3 webhooks" in f.summary
    assert "order_id=576461413038785752" in f.evidence[0]
    # a crashed container's old log is not evidence of current webhook failures
    old = replace(recent, previous=True)
    ids = {x.id for x in kube_findings(fleet((old,)), NOW)}
    assert "webhook-signature-mismatch" not in ids


@pytest.mark.parametrize(
    ("now", "severity", "words"),
    [
        (datetime(2025, 3, 10, 10, 0, tzinfo=UTC), Severity.WARNING, "expires in 5d"),
        (datetime(2025, 3, 14, 0, 0, tzinfo=UTC), Severity.CRITICAL, "expires in 1d10h"),
        (datetime(2025, 3, 16, 10, 0, tzinfo=UTC), Severity.CRITICAL, "expired 1d ago"),
    ],
)
def test_certificate_expiry(now: datetime, severity: Severity, words: str) -> None:
    f = by_id(kube_findings(fleet(), now))[("cert-expiring", "openclaw/webhooks")]
    assert f.severity == severity and words in f.summary and f.runbook == "cert-expiry"
    assert any("renewBefore 1d (policy >= 14d)" in e for e in f.evidence)


def test_certificate_outside_the_policy_window_is_quiet() -> None:
    found = by_id(kube_findings(fleet(), datetime(2025, 2, 1, tzinfo=UTC)))
    assert ("cert-expiring", "openclaw/webhooks") not in found
    assert ("cert-renew-before-policy", "openclaw/webhooks") in found


def test_not_ready_certificate_explains_why() -> None:
    f = by_id(kube_findings(fleet(), NOW))[("cert-not-ready", "openclaw/api")]
    assert "(Failed)" in f.summary
    assert any("rateLimited" in e or "previously issued" in e for e in f.evidence)


def test_scaled_to_zero_and_healthy_adapters_are_quiet() -> None:
    snap = fleet()
    quiet = tuple(replace(a, desired=0, ready=0) for a in snap.adapters)
    ids = {f.id for f in kube_findings(replace(snap, adapters=quiet), NOW)}
    assert not ids & {"adapter-unavailable", "adapter-degraded"}


def test_each_rule_says_how_urgent_its_finding_is() -> None:
    """The ranking reads these fields, never the summary's words."""
    found = by_id(kube_findings(fleet(), NOW))
    unpinned = found[("image-not-pinned", "openclaw/openclaw-adapter-shopee")]
    assert unpinned.hygiene and unpinned.urgency is Urgency.HYGIENE
    cert = found[("cert-expiring", "openclaw/webhooks")]
    assert cert.urgency is Urgency.SOON and cert.hurts_in is not None
    assert 4 * 86400 < cert.hurts_in < 6 * 86400  # "expires in 5d"
    assert found[("cert-renew-before-policy", "openclaw/webhooks")].urgency is Urgency.LATER
    crash = found[("adapter-crashloop", "openclaw/openclaw-adapter-shopee")]
    assert crash.urgency is Urgency.NOW and crash.since is not None and crash.since <= NOW
    oom = found[("adapter-oomkilled", "openclaw/openclaw-adapter-amazon")]
    assert oom.touches == 1 and not oom.hygiene
    expired = by_id(kube_findings(fleet(), datetime(2025, 3, 16, 10, 0, tzinfo=UTC)))
    assert expired[("cert-expiring", "openclaw/webhooks")].urgency is Urgency.NOW
