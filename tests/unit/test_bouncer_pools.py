"""PgBouncer pools from either exporter's series, and the exhausted-pool rule."""

from __future__ import annotations

from typing import Any

from oc_console.analysis.database import bouncer_findings
from oc_console.domain.database import BouncerPool
from oc_console.domain.findings import Severity
from oc_console.sources.prometheus_pgbouncer import bouncer_pools


def series(name: str, value: float, **labels: str) -> dict[str, Any]:
    return {
        "metric": {"__name__": name, "instance": "pgb:9127", **labels},
        "value": [0, str(value)],
    }


def test_debians_names_attribute_the_server_count_only_to_a_lone_database() -> None:
    lone = bouncer_pools([
        series("pgbouncer_waiting_clients", 3, database="openclaw", user="app"),
        series("pgbouncer_waiting_clients", 0, database="pgbouncer", user="pgbouncer"),
        series("pgbouncer_pool_size", 2, database="openclaw"),
        series("pgbouncer_used_servers", 2),
    ])  # fmt: skip
    assert [(p.database, p.client_waiting, p.servers, p.exhausted) for p in lone] == [
        ("openclaw", 3, 2, True)]  # fmt: skip
    two = bouncer_pools([
        series("pgbouncer_waiting_clients", 3, database="openclaw", user="app"),
        series("pgbouncer_waiting_clients", 0, database="reports", user="app"),
        series("pgbouncer_pool_size", 2, database="openclaw"),
        series("pgbouncer_used_servers", 2),
    ])  # fmt: skip
    # the whole PgBouncer's servers may belong to either database: not known, not judged
    assert [(p.database, p.servers, p.no_idle_server) for p in two] == [
        ("openclaw", None, None), ("reports", None, None)]  # fmt: skip


def test_clients_waiting_with_an_idle_server_or_none_waiting_is_no_finding() -> None:
    passing = BouncerPool("i", "db", "u", client_waiting=2, server_idle=1, pool_size=5)
    calm = BouncerPool("i", "db", "u", client_active=4, client_waiting=0, server_idle=0)
    assert bouncer_findings((passing, calm)) == []


def test_waiting_with_the_idle_count_unknown_is_a_warning_that_says_so() -> None:
    [finding] = bouncer_findings((BouncerPool("i", "db", "u", client_waiting=4),))
    assert finding.severity is Severity.WARNING
    assert "whether a server is idle is not exported" in finding.summary
    assert finding.evidence[1].startswith("servers open: ? (this exporter")
