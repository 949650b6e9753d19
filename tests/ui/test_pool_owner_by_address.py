"""The pool's owner by address, against the sandbox's `pool` scenario: its sessions without an
application_name really come from the leaky adapter's pod IP (a loopback address), and the
Database screen names that Deployment and pod."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.analysis.owners import ADDRESS, session_owners
from oc_console.config_loading import load_config
from oc_console.sandbox.kube.scenarios import POOL_POD_IP
from oc_console.sandbox.pool_load import UNNAMED_SESSIONS
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import ConsoleApp, make_app
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
AMAZON = "openclaw-adapter-amazon"


@pytest.fixture(scope="module")
def pool_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = Sandbox(
        frozenset({"pool"}), Path(tmp_path_factory.mktemp("pool-owner")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def ready(app: ConsoleApp) -> bool:
    snap = app.snapshot
    return bool(snap and snap.database and snap.fleet and snap.database.sessions_by_client)


async def test_sessions_without_a_name_are_owned_by_their_pods_deployment(
    pool_fleet: Sandbox,
) -> None:
    app = make_app(Console(load_config(flags=pool_fleet.flags(), environ={})))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: ready(app), timeout=30)
        snap = app.snapshot
        assert snap is not None and snap.database is not None and snap.fleet is not None
        # PostgreSQL itself saw them come from the pod's IP, with no name
        assert ("", POOL_POD_IP, UNNAMED_SESSIONS) in snap.database.sessions_by_client
        [pod] = [p.name for p in snap.fleet.pods if p.ip == POOL_POD_IP]
        by_address = [o for o in session_owners(snap.database, snap.fleet) if o.pod == pod]
        assert [(o.application_name, o.deployment, o.matched, o.sessions) for o in by_address] == [
            ("", AMAZON, ADDRESS, UNNAMED_SESSIONS)
        ]
        # the pool's findings name that Deployment and pod in their evidence, in check too
        pool = [f for f in snap.findings if f.id.startswith("pool-")]
        assert pool and any(
            f"{AMAZON} ({pod})" in line and "by address" in line
            for f in pool
            for line in f.evidence
        ), [f.evidence for f in pool]
        await pilot.press("2")
        await pilot.pause()
        summary = str(app.screen.query_one("#pool-summary").render())
        assert f"(no name) → {AMAZON} ({pod}) {UNNAMED_SESSIONS} by address" in summary
        # the adapter's named sessions come from 127.0.0.1, no pod's IP: the name alone
        assert f"{AMAZON} → {AMAZON} " in summary and "by name" in summary
