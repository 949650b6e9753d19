"""Changes from the watch cache, and the "changed before it broke" rule with its window edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oc_console.analysis.changes import (
    CHANGED_BEFORE_WINDOW,
    breakage_start,
    changed_before_it_broke,
    errors_began,
    fleet_changes,
    short_image,
    template_changes,
)
from oc_console.domain.changes import CONFIG, ROLLOUT
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.metrics import AdapterMetrics, MetricsSnapshot
from oc_console.domain.releases import ContainerSpec, WorkloadSpec
from oc_console.sources.kube import parse
from tests.unit.test_kube_analysis import fleet


def crashing(snap: FleetSnapshot) -> str:
    return next(
        a.key for a in snap.adapters
        if any(c.crashloop for p in snap.pods_of(a) for c in p.containers)
    )  # fmt: skip


def with_rollout_before_breakage(snap: FleetSnapshot, lead: timedelta) -> FleetSnapshot:
    """The crash-looping adapter's newest revision created `lead` before its crash loop."""
    key = crashing(snap)
    adapter = next(a for a in snap.adapters if a.key == key)
    began = breakage_start(snap, adapter)
    assert began is not None
    newest = max(adapter.revisions, key=lambda r: r.revision)
    revisions = tuple(
        replace(r, created=began[1] - lead) if r is newest else r for r in adapter.revisions
    )
    adapters = tuple(replace(a, revisions=revisions) if a.key == key else a for a in snap.adapters)
    return replace(snap, adapters=adapters)


@pytest.mark.parametrize(
    ("lead", "named"),
    [
        (timedelta(minutes=2), True),
        (timedelta(0), True),  # the same moment: still before, not after
        (CHANGED_BEFORE_WINDOW, True),  # the window's edge is inside
        (CHANGED_BEFORE_WINDOW + timedelta(seconds=1), False),
        (-timedelta(seconds=1), False),  # a change after it broke did not break it
    ],
)
def test_a_rollout_within_the_window_before_a_crash_loop_is_named(
    lead: timedelta, named: bool
) -> None:
    snap = with_rollout_before_breakage(fleet(), lead)
    found = changed_before_it_broke(snap, fleet_changes(snap))
    assert bool(found) == named
    if named:
        (f,) = found
        assert f.subject == crashing(snap) and f.runbook == "adapter-crashloop"
        # "2m before the crash loop began"; the same second reads "as the crash loop began"
        assert f.summary.startswith("Rollout to revision") and "the crash loop began" in f.summary


def test_a_change_to_another_adapter_is_not_blamed() -> None:
    snap = with_rollout_before_breakage(fleet(), timedelta(minutes=2))
    key = crashing(snap)
    moved = [replace(c, subject="openclaw/someone-else") if c.subject == key else c
             for c in fleet_changes(snap)]  # fmt: skip
    assert changed_before_it_broke(snap, moved) == []


def test_changes_are_newest_first_and_since_cuts_them() -> None:
    snap = fleet()
    changes = fleet_changes(snap)
    assert changes == sorted(changes, key=lambda c: c.at, reverse=True)
    assert any(c.kind == ROLLOUT for c in changes)
    cut = changes[len(changes) // 2].at
    assert all(c.at >= cut for c in fleet_changes(snap, since=cut))


def test_template_changes_name_image_resources_and_env() -> None:
    old = WorkloadSpec(
        "a",
        "ns",
        2,
        (ContainerSpec("adapter", "r/a:1", (("limits.memory", 512 * 2**20),), ("A", "B")),),
    )
    new = WorkloadSpec(
        "a", "ns", 2, (ContainerSpec("adapter", "r/a:2", (("limits.memory", 2**30),), ("A", "C")),)
    )
    assert template_changes(old, new) == (
        "image of adapter: r/a:1 -> r/a:2",
        "limits.memory of adapter: 512Mi -> 1Gi",
        "env C of adapter: unset -> set",
        "env B of adapter: set -> unset",
    )
    assert template_changes(None, new) == ()


def test_short_image() -> None:
    assert short_image("registry.openclaw.io/adapter-shopee:2.15.0") == "adapter-shopee:2.15.0"
    assert short_image("r/x@sha256:" + "a" * 64) == "x@aaaaaaaaaaaa"


def test_configmap_and_secret_edits_are_names_and_times_only() -> None:
    secret = {
        "metadata": {
            "name": "openclaw-webhook-secrets", "namespace": "openclaw",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [
                {"manager": "kubectl", "time": "2026-11-29T02:00:00Z"},
                {"manager": "deploy.sh", "time": "2026-11-29T02:58:00Z"},
            ],
        },
        "type": "Opaque",
        "data": {"TIKTOK_WEBHOOK_SECRET": "d2hzZWNfc2VjcmV0"},
    }  # fmt: skip
    obj = parse.parse_config_object(secret, "Secret")
    assert obj.changed_at == datetime(2026, 11, 29, 2, 58, tzinfo=UTC)  # the newest edit
    assert "d2hzZWNf" not in repr(obj)  # the value is never kept
    snap = replace(fleet(), config_objects=(obj,))
    (change,) = [c for c in fleet_changes(snap) if c.kind == CONFIG]
    assert change.subject == "openclaw/openclaw-webhook-secrets"
    assert change.summary == "Secret openclaw-webhook-secrets changed" and change.details == ()
    created = {"metadata": {"name": "cm", "creationTimestamp": "2026-01-01T00:00:00Z"}}
    assert parse.parse_config_object(created, "ConfigMap").changed_at == datetime(
        2026, 1, 1, tzinfo=UTC
    )


def test_the_5xx_onset_is_the_start_of_the_run_that_reaches_now() -> None:
    t0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC).timestamp()
    shares = [0.2, 0.2, 0.01, 0.0, 0.06, 0.3, 0.25]  # an old burst, then the current one
    history = tuple((t0 + 60 * i, s) for i, s in enumerate(shares))
    assert errors_began(history, 0.05) == datetime(2026, 11, 29, 2, 4, tzinfo=UTC)
    assert errors_began(history[:4], 0.05) is None  # recovered: nothing is failing now
    assert errors_began(((t0, 0.5),), 0.05) == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_a_rollout_before_the_5xx_began_is_named() -> None:
    recorded = fleet()
    # walmart neither crash-loops nor was OOMKilled; give it shopee's rollout history
    history_of = {a.platform: a.revisions for a in recorded.adapters}
    adapters = tuple(
        replace(a, revisions=history_of["shopee"]) if a.platform == "walmart" else a
        for a in recorded.adapters
    )
    snap = replace(recorded, adapters=adapters)
    a = next(x for x in snap.adapters if x.platform == "walmart")
    assert breakage_start(snap, a) is None
    newest = max(a.revisions, key=lambda r: r.revision)
    assert newest.created is not None
    began = newest.created + timedelta(minutes=3)
    history = ((began.timestamp() - 60, 0.0), (began.timestamp(), 0.4))
    metrics = MetricsSnapshot(adapters=(AdapterMetrics(a.platform, error_ratio_history=history),))
    found = [f for f in changed_before_it_broke(snap, fleet_changes(snap), metrics=metrics)
             if f.subject == a.key]  # fmt: skip
    assert len(found) == 1 and "3m before the 5xx errors began" in found[0].summary
    without = changed_before_it_broke(snap, fleet_changes(snap))
    assert all(f.subject != a.key for f in without)  # no metrics: nothing to say about it
