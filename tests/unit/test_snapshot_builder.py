"""The snapshot builder is pure: the same inputs give the same snapshot, and reading a snapshot
changes nothing the console holds (the pool's history, a source's detail, the memory of seen
findings move only on a read)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from oc_console.config import AlertmanagerConfig, Config
from oc_console.domain.alerts import Alert, AlertsSnapshot
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.health import SourceHealth
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.services.console import Console
from oc_console.services.history import SeenFindings
from oc_console.services.snapshot_builder import SnapshotInputs, build_snapshot, source_findings
from tests.unit.factories import pool, session

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
CONFIG = Config(alertmanager=AlertmanagerConfig(url="http://am:9093"))


def busy_pool() -> PoolSnapshot:
    """Nearly saturated, with a long idle-in-transaction session: findings to judge."""
    stuck = session(7, xact_age_s=900.0, state_age_s=900.0, query="UPDATE orders SET x = 1")
    return pool(
        sessions_by_state=(("idle", 60), ("idle in transaction", 39)),
        idle_in_transaction_count=39,
        idle_in_transaction=(stuck,),
        oldest_xact_age_s=900.0,
        oldest_xact_pid=7,
    )


def inputs(**kw: object) -> SnapshotInputs:
    fields: dict[str, object] = {
        "now": NOW,
        "context_label": "sandbox",
        "sources": (SourceHealth("postgres", True, True, None, NOW),),
        "database": busy_pool(),
        "metrics": MetricsSnapshot(warnings=("partial response",)),
        "alerts": AlertsSnapshot(
            (Alert("f1", (("alertname", "PoolIdleInTransaction"),), "active", NOW),)
        ),
        "pool_history": ((NOW.timestamp() - 30, 0.5), (NOW.timestamp(), 0.96)),
    }
    fields.update(kw)
    return SnapshotInputs(**fields)  # type: ignore[arg-type]


def test_the_same_inputs_build_the_same_snapshot_and_change_nothing() -> None:
    memory = SeenFindings()
    given = inputs()
    findings, _ = source_findings(given, CONFIG)
    assert findings, "the inputs must give the analysis something to find"
    memory.remember(findings, NOW - timedelta(minutes=1))
    before = (dict(memory._seen), dataclasses.replace(given))
    first = build_snapshot(given, CONFIG, memory)
    second = build_snapshot(given, CONFIG, memory)
    assert first == second
    assert first.findings and first.pages and first.pool_history == given.pool_history
    assert (dict(memory._seen), given) == before


def test_queries_are_left_out_before_the_analysis_quotes_them() -> None:
    snap = build_snapshot(inputs(include_queries=False), CONFIG, SeenFindings())
    assert "UPDATE orders" not in repr(snap)
    shown = build_snapshot(inputs(), CONFIG, SeenFindings())
    assert "UPDATE orders" in repr(shown.database)


def test_reading_the_facade_twice_gives_the_same_snapshot_and_records_nothing() -> None:
    console = Console(CONFIG)
    console.postgres.value, console.postgres.fetched_at = busy_pool(), NOW
    console.prometheus.value = MetricsSnapshot(warnings=("partial response",))
    console.alertmanager.value = inputs().alerts
    first, second = console.snapshot(), console.snapshot()
    assert dataclasses.replace(first, generated_at=NOW) == dataclasses.replace(
        second, generated_at=NOW
    )
    # reading is not a read of the source: no history point, no finding remembered
    assert first.pool_history == () and len(console.target.seen) == 0


class OnePool:
    name = "postgres"

    async def fetch(self) -> PoolSnapshot:
        return busy_pool()

    async def close(self) -> None:
        pass


def test_a_read_records_the_pool_and_remembers_the_findings() -> None:
    console = Console(CONFIG)
    console.postgres.source = OnePool()
    asyncio.run(console.postgres.tick(force=True))
    snap = console.snapshot()
    assert len(snap.pool_history) == 1 and snap.pool_history[0][1] > 0.9
    assert len(console.target.seen) == len(source_findings(console.target.inputs(), CONFIG)[0])
    assert snap == dataclasses.replace(console.snapshot(), generated_at=snap.generated_at)


def test_a_new_pool_answer_keeps_the_fleets_changes_and_a_new_fleet_its_own() -> None:
    from oc_console.analysis.changes import CHANGED_BEFORE_WINDOW
    from tests.unit.test_changes_analysis import with_rollout_before_breakage as rollout
    from tests.unit.test_kube_analysis import fleet

    def blamed(given: SnapshotInputs) -> list[str]:
        found, _ = source_findings(given, CONFIG)
        return [f.subject for f in found if f.id == "changed-before-it-broke"]

    broken = rollout(fleet(), timedelta(minutes=2))
    first = blamed(inputs(fleet=broken))
    assert len(first) == 1
    # the pool's probe answers anew every tick with the same fleet: the same changes
    again, changes = source_findings(inputs(fleet=broken, database=busy_pool()), CONFIG)
    assert [f.subject for f in again if f.id == "changed-before-it-broke"] == first
    assert changes and changes == source_findings(inputs(fleet=broken), CONFIG)[1]
    # the same cluster, a new answer: the rollout now long before the crash loop
    later = rollout(fleet(), CHANGED_BEFORE_WINDOW + timedelta(minutes=1))
    assert later.context == broken.context and blamed(inputs(fleet=later)) == []
    assert blamed(inputs(fleet=broken)) == first
