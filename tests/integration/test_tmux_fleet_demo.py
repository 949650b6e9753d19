"""`oc-console demo --clusters 3` as a person runs it: the real binary in tmux at 80x24, three
sandbox clusters on one Overview whose first line names them all, an order looked up across
them, and nothing of any cluster left running after `q`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.integration.tmux_demo import BIN, Demo, flat

pytestmark = pytest.mark.integration

REGIONS = ("us-east", "eu-west", "ap-southeast")
STUCK_ORDER = "114-3941689-8772232"  # every region's database has it: the focused one answers


def fleet_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("oc-fleet-*"))


def running_in(workdir: Path) -> list[str]:
    """Command lines of processes started in `workdir` (PostgreSQL, API servers, Prometheus)."""
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in ps.stdout.splitlines() if str(workdir) in line]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_fleet_demo_shows_three_clusters_on_the_first_line(tmp_path: Path) -> None:
    before = fleet_dirs()
    demo = Demo(tmp_path, program=f"{BIN} demo --clusters 3")
    try:
        demo.shows("targets ▸us-east", timeout=90)
        (workdir,) = fleet_dirs() - before
        # the Overview's first line: one cell per cluster, the focused one marked, each
        # critical once its own cluster is read (the other two start after the first frame)
        deadline = time.monotonic() + 60
        while not all(f"{r} CRIT" in demo.screen().splitlines()[1] for r in REGIONS):
            assert time.monotonic() < deadline, demo.screen()
            time.sleep(0.2)
        screen = demo.screen()
        lines = screen.splitlines()
        assert "●k8s" in lines[0] and "●prom" in lines[0]  # the header: the focused target's
        assert lines[1].startswith("targets ▸us-east CRIT")
        # each region's own incident, found in its own cluster and named with it
        overview = flat(screen)
        assert "us-east" in overview and "eu-west" in overview

        demo.keys(":", "ctx eu-west", "Enter")
        narrowed = demo.shows("   :ctx eu-west")
        assert "▸eu-west" in narrowed

        demo.keys(":", f"order {STUCK_ORDER}", "Enter")
        timeline = demo.shows(f"order {STUCK_ORDER} in eu-west")
        assert "asked:" in timeline and "eu-west knows it" in timeline
        demo.keys("Escape")
        assert demo.quit() == "0"
        deadline = time.monotonic() + 10
        while running_in(workdir) or workdir.exists():
            assert time.monotonic() < deadline, running_in(workdir)
            time.sleep(0.2)
    finally:
        demo.close()
