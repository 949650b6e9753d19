"""The screens on a VM, driven by Pilot against a real dockerd: the Adapters screen has one row
per compose service, its detail names the service and its containers (never a pod or a
Deployment), and rollback, scale and previous logs are not offered."""

from __future__ import annotations

import os
import re

import pytest
from docker_fixtures import Engine

from oc_console.config_loading import load_config
from oc_console.screens.adapter_detail import AdapterScreen
from oc_console.screens.app import make_app
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration
MiB = 2**20
QUIET = 'trap "exit 0" TERM; while :; do sleep 1; done'
LABELS = {
    "com.docker.compose.project": "scr",
    "com.docker.compose.service": "openclaw-adapter-coupang",
}


async def test_adapters_on_a_vm_are_compose_services(docker_engine: Engine) -> None:
    ids = [docker_engine.run(f"scr-coupang-{i}", QUIET, memory=64 * MiB, restart="always",
                             labels=LABELS) for i in (1, 2)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "KUBE", "PG", "DOCKER"))}
    env["HOME"] = "/nonexistent"  # no ~/.kube/config
    app = make_app(Console(load_config(flags={"docker.host": docker_engine.url}, environ=env)))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
            await pilot.press("3")
            adapters = app.screen.query_one("#adapters", RowTable)
            await until(pilot, lambda: len(adapters.rows) == 1)  # one service, two containers
            assert adapters.rows[0].cells[0] == "coupang"
            assert "compose services" in adapters._title
            assert app.screen.check_action("act", ("restart",)) is not False
            assert app.screen.check_action("act", ("undo",)) is False
            assert app.screen.check_action("act", ("scale",)) is False
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, AdapterScreen))
            screen = app.screen
            containers = screen.query_one("#pods", RowTable)
            await until(pilot, lambda: len(containers.rows) == 2)
            assert containers.columns[0].title == "CONTAINER"
            text = str(screen.query_one("#deployment", QuietStatic)._last)
            assert "scr/openclaw-adapter-coupang  compose service, 2 of 2 containers" in text
            assert "restart policy always, cpus no limit" in text
            assert screen.check_action("logs", (True,)) is False
            assert screen.check_action("act", ("undo",)) is False
            shown = re.sub(r"<[^>]+>", " ", app.export_screenshot())
            assert not re.search(r"\b(pods?|Pods?|Deployments?|revisions?|rollout)\b", shown)
    finally:
        for cid in ids:
            docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
