"""The console over two sandbox clusters at once: the Overview's first line has a cell per
target, the findings of both are listed worst first with their target, `:ctx` narrows every
screen to one target and `:ctx *` widens it again, a runbook started from a finding turns to
that finding's target, and a dead API server marks only its own target."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.screens.overview_rows import POLICY_KEY
from oc_console.screens.widgets.row_table import RowTable
from oc_console.screens.widgets.targets_strip import TargetsStrip
from oc_console.services.fleet import Fleet
from tests.integration.action_fixtures import sandbox_config
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sandbox]]:
    """eu-west with an adapter OOMKilled, us-east with an expiring certificate."""
    started: dict[str, Sandbox] = {}
    try:
        for name, scenario in (("eu-west", "oom"), ("us-east", "cert")):
            workdir = Path(tmp_path_factory.mktemp(name))
            started[name] = Sandbox(parse_scenarios(scenario), workdir, use_prometheus=False)
            started[name].start()
        yield started
    finally:
        for sandbox in started.values():
            sandbox.stop()


def fleet_app(regions: dict[str, Sandbox], tmp_path: Path) -> ConsoleApp:
    configs = [(name, sandbox_config(sandbox)) for name, sandbox in regions.items()]
    fleet = Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))
    return make_app(fleet.current, fleet=fleet)


def strip(app: ConsoleApp) -> str:
    return str(app.screen.query_one(TargetsStrip).render())


def subjects(app: ConsoleApp) -> list[str]:
    """The findings' subjects (the folded policy row aside, which stands for several)."""
    rows = app.screen.query_one("#findings", RowTable).rows
    return [str(row.cells[1]) for row in rows if row.key != POLICY_KEY]


def both_read(app: ConsoleApp) -> bool:
    view = app.fleet_view
    return view is not None and all(t.snapshot.fleet is not None for t in view.targets)


async def test_one_overview_for_two_clusters(regions: dict[str, Sandbox], tmp_path: Path) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app) and "us-east WARN" in strip(app))
        assert "▸eu-west CRIT " in strip(app)
        rows = subjects(app)
        assert rows[0].startswith("eu-west ")  # the OOM kill, worst across the fleet
        assert any(r.startswith("us-east ") for r in rows)
        assert app.fleet is not None and app.service is app.fleet.members["eu-west"]

        await pilot.press("colon", *"ctx", "space", *"us-east", "enter")
        await until(pilot, lambda: all(r.startswith("us-east ") for r in subjects(app)))
        assert app.service is app.fleet.members["us-east"]
        assert app.snapshot is not None and app.snapshot.fleet is not None
        assert "▸us-east" in strip(app) and ":ctx us-east" in strip(app)
        await pilot.press("colon", *"ctx", "space", *"nowhere", "enter")
        assert app.service is app.fleet.members["us-east"]  # refused, nothing changed
        await pilot.press("colon", *"ctx", "space", "asterisk", "enter")
        await until(pilot, lambda: any(r.startswith("eu-west ") for r in subjects(app)))

        # `b` on an eu-west finding while us-east is shown: the runbook is eu-west's
        table = app.screen.query_one("#findings", RowTable)
        table.focus()
        table.move_to(0)
        await pilot.press("b")
        await until(pilot, lambda: app.service is app.fleet.members["eu-west"])  # type: ignore[union-attr]


async def test_a_dead_api_server_marks_only_its_target(
    regions: dict[str, Sandbox], tmp_path: Path
) -> None:
    app = fleet_app(regions, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: both_read(app))
        regions["us-east"].kube.stop()  # the module's last test: us-east stays down
        await until(pilot, lambda: "us-east" in strip(app) and "k8s down" in strip(app), 30)
        assert "eu-west CRIT" in strip(app) and "eu-west k8s" not in strip(app)
        view = app.fleet_view
        assert view is not None
        eu = next(t for t in view.targets if t.name == "eu-west")
        before = eu.snapshot.source("postgres")
        assert before is not None and before.fetched_at is not None
        first = before.fetched_at

        def eu_read_again() -> bool:  # the others keep updating
            assert app.fleet_view is not None
            now = next(t for t in app.fleet_view.targets if t.name == "eu-west")
            pg = now.snapshot.source("postgres")
            return pg is not None and pg.fetched_at is not None and pg.fetched_at > first

        await until(pilot, eu_read_again)
