"""`oc-console order` against the sandbox: its real PostgreSQL, its Kubernetes API stand-in
(pod logs and events) and its trace endpoint (Tempo and Jaeger APIs over SDK-made OTLP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oc_console.sandbox.runner import Sandbox
from oc_console.sandbox.traces.cases import BIG, SLOW

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]
ORDER = "114-3941689-8772232"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(
        frozenset({"order"}), Path(tmp_path_factory.mktemp("sb")), use_prometheus=False
    ).start()
    try:
        yield box
    finally:
        box.stop()


def order(
    sandbox: Sandbox, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in sandbox.env().items() if k != "OC_PROMETHEUS"}
    return subprocess.run(
        [*CLI, "order", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **base, **(env or {})},
    )


def spans_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for t in doc["traces"] for s in t["spans"]]  # type: ignore[attr-defined]


def test_the_failed_order_on_one_timeline(sandbox: Sandbox) -> None:
    done = order(sandbox, ORDER, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {k: v["ok"] for k, v in doc["sources"].items()} == {
        "postgres": True, "traces": True, "logs": True, "pod_events": True,
    }  # fmt: skip
    assert doc["order"]["order_id"] == ORDER and doc["order"]["platform"] == "amazon"
    assert [e["status"] for e in doc["events"]] == ["processed", "failed"]
    spans = spans_of(doc)
    assert len(spans) == 7
    assert {"span_id", "parent_span_id", "service", "name", "start", "duration_ms", "status",
            "attributes"} <= set(spans[0])  # fmt: skip
    rate_limited = [s for s in spans if s["attributes"].get("http.status_code") == "429"]
    assert len(rate_limited) == 2 and all(s["status"] == "error" for s in rate_limited)
    [timeout] = [s for s in spans if s["attributes"].get("error.type") == "timeout"]
    assert timeout["duration_ms"] == 30_000
    assert any(s["attributes"].get("order.status") == "sync_failed" for s in spans)
    messages = [line["msg"] for line in doc["logs"]]
    assert sum("429" in m for m in messages) >= 2
    assert any("failed after 3 attempts" in m for m in messages)
    assert all(line["pod"].startswith("openclaw-adapter-amazon") for line in doc["logs"])
    assert doc["findings"][:2] == [
        "failed after 3 attempts: HTTP 429 (twice), then a 30 s timeout at amazon's API",
        "sources disagree: database 5 attempts, order failed · trace 3 attempts, failed · log "
        '"order sync failed after 3 attempts: 429 Too Many Requests"',
    ]


@pytest.mark.parametrize(
    ("env", "config"),
    [({"OC_TRACES_KIND": "jaeger"}, ""), ({}, "[traces]\ntempo_v2 = true\n")],
    ids=["jaeger-api-v3", "tempo-v2"],
)
def test_jaeger_and_tempo_v2_give_the_same_spans(
    sandbox: Sandbox, tmp_path: Path, env: dict[str, str], config: str
) -> None:
    args = [ORDER, "--json"]
    if config:
        (tmp_path / "c.toml").write_text(config)
        args += ["--config", str(tmp_path / "c.toml")]
    done = order(sandbox, *args, env=env)
    assert done.returncode == 0, done.stderr
    baseline = json.loads(order(sandbox, ORDER, "--json").stdout)
    assert spans_of(json.loads(done.stdout)) == spans_of(baseline)


def test_unknown_order_exits_1_and_every_source_answered(sandbox: Sandbox) -> None:
    done = order(sandbox, "999-0000000-0000000", "--json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["order"] is None and doc["traces"] == [] and doc["logs"] == []
    assert all(v["ok"] for v in doc["sources"].values())


def test_a_rejected_id_is_one_line_exit_2_and_reaches_no_backend(sandbox: Sandbox) -> None:
    assert sandbox.traces is not None
    before = len(sandbox.traces.received)
    done = order(sandbox, '1" } || { span.x = "y')
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pattern" in done.stderr and done.stdout == ""
    assert len(sandbox.traces.received) == before


def test_an_unreachable_trace_backend_fails_alone(sandbox: Sandbox) -> None:
    done = order(sandbox, ORDER, "--json", env={"OC_TRACES": "http://127.0.0.1:9"})
    assert done.returncode == 3
    doc = json.loads(done.stdout)
    assert doc["sources"]["traces"]["ok"] is False
    assert "127.0.0.1:9" in doc["sources"]["traces"]["error"]
    assert doc["order"]["status"] == "failed" and len(doc["logs"]) >= 6
    assert any(f.startswith("cannot see traces") for f in doc["findings"])


def test_a_slow_trace_backend_times_out_within_its_deadline(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    assert sandbox.traces is not None
    (tmp_path / "c.toml").write_text("[orders]\npart_timeout_seconds = 0.5\n")
    sandbox.traces.delay = 2.0
    try:
        done = order(sandbox, ORDER, "--json", "--config", str(tmp_path / "c.toml"))
    finally:
        sandbox.traces.delay = 0.0
    assert done.returncode == 3
    doc = json.loads(done.stdout)
    assert doc["sources"]["traces"]["error"] == "no answer within 0.5 s"
    assert doc["sources"]["postgres"]["ok"] and doc["order"] is not None


def test_slow_and_huge_orders(sandbox: Sandbox) -> None:
    slow = json.loads(order(sandbox, SLOW[0], "--json").stdout)
    assert any("took 12.8 s" in f for f in slow["findings"])
    assert not any(f.startswith("failed after") for f in slow["findings"])
    by_jaeger = json.loads(
        order(sandbox, SLOW[0], "--json", env={"OC_TRACES_KIND": "jaeger"}).stdout
    )
    assert spans_of(by_jaeger) == spans_of(slow)  # a tiktok order: found through the webhook
    big = json.loads(order(sandbox, BIG[0], "--json").stdout)
    assert sum(len(t["spans"]) for t in big["traces"]) == 20_000


def test_for_a_person_a_plain_tree_with_backend_text_cleaned(sandbox: Sandbox) -> None:
    done = order(sandbox, ORDER, env={"NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert f"order {ORDER}" in done.stdout and "first failure" in done.stdout
    assert "HTTP 429 (twice)" in done.stdout


def test_parts_arrive_database_first_while_traces_are_slow(sandbox: Sandbox) -> None:
    import asyncio

    from oc_console.config_loading import load_config
    from oc_console.domain.orders import OrderTimeline
    from oc_console.services.console import Console

    flags = {**sandbox.flags(), "prometheus.url": None}
    console = Console(load_config(None, flags, {}))
    arrived: list[tuple[str, ...]] = []

    def seen(t: OrderTimeline) -> None:
        arrived.append(tuple(p.name for p in t.sources))

    async def run() -> OrderTimeline:
        try:
            return await console.lookup_order(ORDER, seen)
        finally:
            await console.close()

    assert sandbox.traces is not None
    sandbox.traces.delay = 1.0
    try:
        timeline = asyncio.run(run())
    finally:
        sandbox.traces.delay = 0.0
    assert arrived[0] == ("postgres",)  # shown while the traces are still on their way
    assert arrived[-1][:2] == ("postgres", "traces") and timeline.done
    assert {p.name for p in timeline.sources} == {"postgres", "traces", "logs", "pod_events"}


def test_the_json_shape_is_the_documented_one(sandbox: Sandbox) -> None:
    doc = json.loads(order(sandbox, ORDER, "--json").stdout)
    assert set(doc) == {"order", "events", "traces", "logs", "pod_events", "sources", "findings"}
    assert set(doc["traces"][0]) == {"trace_id", "spans"}
    assert set(doc["traces"][0]["spans"][0]) == {
        "span_id", "parent_span_id", "service", "name", "start", "duration_ms", "status",
        "attributes",
    }  # fmt: skip
    assert set(doc["sources"]["postgres"]) == {"ok", "error", "elapsed_ms"}


def test_with_no_source_configured_it_says_so_and_exits_3() -> None:
    done = subprocess.run(
        [*CLI, "order", ORDER], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr == "oc-console: no source configured (--pg-dsn, --traces, --kubeconfig)\n"
