"""`check`'s text names the adapters that are not healthy, as the analysis judged them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console as RichConsole

from oc_console.domain.findings import Finding, Severity
from oc_console.domain.kube import AdapterHealth, FleetSnapshot
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.report import print_check

NOW = datetime(2026, 11, 21, 3, 12, tzinfo=UTC)


def adapter(platform: str) -> AdapterHealth:
    # every replica ready: readiness alone says nothing is wrong
    return AdapterHealth(
        platform=platform, namespace="openclaw", name=f"openclaw-adapter-{platform}", desired=3,
        current=3, ready=3, updated=3, available=3, rollout="complete", rollout_message="",
        paused=False, images=(), revision=1, selector=(), created=None,
    )  # fmt: skip


def test_oomkilled_and_crashlooping_adapters_count_as_not_healthy() -> None:
    adapters = tuple(adapter(p) for p in ("amazon", "shopee", "walmart"))
    findings = (
        Finding("adapter-oomkilled", Severity.CRITICAL, adapters[0].key, "OOMKilled"),
        Finding("adapter-crashloop", Severity.CRITICAL, adapters[1].key, "crash loop"),
    )
    snap = ConsoleSnapshot(
        generated_at=NOW, context="c", namespaces=("openclaw",), read_only=False, sources=(),
        database=None, findings=findings,
        fleet=FleetSnapshot("c", ("openclaw",), adapters, (), (), ()),
    )  # fmt: skip
    out = io.StringIO()
    print_check(snap, RichConsole(file=out, width=120, no_color=True))
    assert "adapters: 3, 2 not healthy (amazon, shopee); 0 certificates" in out.getvalue()
