"""An order lookup over two sandbox clusters (two API servers, two databases): every target's
database is asked, the lookup runs on the one that knows the order and names it, a target
whose database hangs delays the answer by its own deadline only, and the screens and
`oc-console order` say which target answered."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from oc_console.domain.orders import OrderTimeline
from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import make_app
from oc_console.screens.confirm import ConfirmScreen
from oc_console.screens.timeline import TimelineScreen
from oc_console.services.fleet import Fleet
from tests.integration.action_fixtures import sandbox_config
from tests.integration.test_fleet_check import merged_kubeconfig
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration

# Only us-east's database has it: an Amazon US order that failed there.
US_ONLY = "113-0000022-0000022"


async def _seed(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO orders VALUES ($1, 'amazon', 'shop_us_7', 'failed', now())", US_ONLY
        )
        await conn.execute(
            "INSERT INTO order_events (event_id, order_id, platform, event_type, status,"
            " attempts, last_error) VALUES ('evt_us_only', $1, 'amazon', 'order.created',"
            " 'failed', 3, 'platform API returned 429')",
            US_ONLY,
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sandbox]]:
    """eu-west (listed first, so shown first) and us-east, whose database alone has US_ONLY."""
    started: dict[str, Sandbox] = {}
    try:
        for name in ("eu-west", "us-east"):
            workdir = Path(tmp_path_factory.mktemp(name))
            started[name] = Sandbox(parse_scenarios("none"), workdir, use_prometheus=False)
            started[name].start()
        asyncio.run(_seed(started["us-east"].database.adapter_dsn))
        yield started
    finally:
        for sandbox in started.values():
            sandbox.stop()


@pytest.fixture
def silent_db() -> Iterator[str]:
    """A DSN whose server takes the connection and never says a word: a hung database."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    try:
        yield f"postgresql://oc_monitor:monitor@127.0.0.1:{port}/openclaw?connect_timeout=60"
    finally:
        server.close()


def fleet_of(regions: dict[str, Sandbox], tmp_path: Path, **extra: object) -> Fleet:
    configs = [(name, sandbox_config(s, **extra)) for name, s in regions.items()]
    return Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))


async def lookup(fleet: Fleet, order_id: str) -> tuple[OrderTimeline, list[OrderTimeline]]:
    seen: list[OrderTimeline] = []
    try:
        return await fleet.lookup_order(order_id, seen.append), seen
    finally:
        await fleet.close(grace=0.5)


async def test_the_target_that_knows_the_order_answers(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    fleet = fleet_of(regions, tmp_path)
    assert fleet.focused == "eu-west"  # shown first, but it does not know the order
    timeline, seen = await lookup(fleet, US_ONLY)
    assert timeline.target == "us-east"
    assert [(p.name, p.knows) for p in timeline.probes] == [("eu-west", False), ("us-east", True)]
    assert timeline.order is not None and timeline.order.shop_id == "shop_us_7"
    assert [e.event_id for e in timeline.events] == ["evt_us_only"]
    assert timeline.done and timeline.found
    # every streamed part names the target, from the first, before any part arrived
    assert seen and all(t.target == "us-east" for t in seen)
    assert seen[0].order is None and seen[-1].done


async def test_no_database_knows_it_the_focused_target_looks(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    fleet = fleet_of(regions, tmp_path)
    fleet.focus("us-east")
    timeline, _ = await lookup(fleet, "999-0000000-0000000")
    assert timeline.target == "us-east"  # its traces and logs are still read
    assert {p.name: p.knows for p in timeline.probes} == {"us-east": False, "eu-west": False}
    assert timeline.done and not timeline.found
    assert timeline.part("postgres") is not None and timeline.part("postgres").ok  # type: ignore[union-attr]


async def test_a_hung_database_delays_the_answer_by_its_deadline_only(
    regions: dict[str, Sandbox], tmp_path: Path, silent_db: str
) -> None:
    deadline = {"orders.part_timeout_seconds": 2.0}
    configs = [(name, sandbox_config(s, **deadline)) for name, s in regions.items()]
    # first in line, its cluster eu-west's, its database one that never answers
    hung = sandbox_config(regions["eu-west"], **deadline, **{"postgres.dsn": silent_db})
    configs.insert(0, ("ap-southeast", hung))
    fleet = Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))
    assert fleet.focused == "ap-southeast"  # first in line, and its database never answers
    started = time.monotonic()
    timeline, _ = await lookup(fleet, US_ONLY)
    assert timeline.target == "us-east"
    ap = timeline.probes[0]
    assert ap.name == "ap-southeast" and ap.knows is None and "2 s" in (ap.error or "")
    first_part = timeline.part("postgres")
    assert first_part is not None and first_part.ok
    assert time.monotonic() - started < 2.0 + 5.0  # its deadline, plus the lookup itself


def run_order(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBECONFIG"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "order", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_order_command_names_the_target(regions: dict[str, Sandbox], tmp_path: Path) -> None:
    kubeconfig = merged_kubeconfig(regions, tmp_path / "kubeconfig")
    config = tmp_path / "config.toml"
    lines = [f'[kubernetes]\nkubeconfig = "{kubeconfig}"\n']
    for name, sandbox in regions.items():
        lines.append(f'[[targets]]\nname = "{name}"\npg_dsn = "{sandbox.database.dsn}"\n')
    config.write_text("\n".join(lines))
    result = run_order(US_ONLY, "--json", "--config", str(config), home=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["target"] == "us-east"
    assert doc["targets_asked"] == {
        "eu-west": {"knows": False, "error": None},
        "us-east": {"knows": True, "error": None},
    }
    assert doc["order"]["shop_id"] == "shop_us_7"
    text = run_order(US_ONLY, "--config", str(config), home=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "target us-east" in text.stdout and "eu-west no" in text.stdout
    missing = run_order("999-0000000-0000000", "--config", str(config), home=tmp_path)
    assert missing.returncode == 1
    assert "no target's database knows it; shown: eu-west" in missing.stdout


async def test_the_timeline_names_the_target(regions: dict[str, Sandbox], tmp_path: Path) -> None:
    fleet = fleet_of(regions, tmp_path)
    app = make_app(fleet.current, fleet=fleet, poll_sources=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_order(US_ONLY)

        def summary() -> str:
            shown = app.screen.query("#timeline-summary")
            return str(shown.first().render()) if shown else ""

        await until(pilot, lambda: "shop_us_7" in summary() and "(still reading)" not in summary())
        assert f"order {US_ONLY} in us-east" in summary()
        assert "asked: eu-west no · us-east knows it" in summary()
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.timeline is not None
        assert screen.timeline.target == "us-east"
        assert app.service is fleet.members["eu-west"]  # looking acts on nothing
        # a replay goes where the order is: us-east's OpenClaw API, us-east named throughout
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        assert app.service is fleet.members["us-east"]
        us_api = regions["us-east"].openclaw
        assert us_api is not None
        preview = app.screen.plan.preview.detail  # type: ignore[attr-defined]
        assert f"{us_api.url}/v1/workflows/trigger" in preview and US_ONLY in preview
        await pilot.press("n")
        log = tmp_path / "audit.jsonl"
        await until(pilot, lambda: log.exists() and log.stat().st_size > 0)
        records = [json.loads(line) for line in log.read_text().splitlines()]
        (record,) = [r for r in records if r.get("action") == "replay"]
        assert record["reason"] == "declined"
        assert "us-east" in json.dumps(record) and "eu-west" not in json.dumps(record)
