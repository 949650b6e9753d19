"""The sandbox's past: an OpenMetrics file of the model's last 75 minutes, loaded into a fresh
Prometheus with promtool, so the console's hour-long windows are full from the first refresh."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .exposition import Series, render_openmetrics
from .model import HISTORY_SECONDS, FleetModel, Labels

STEP_SECONDS = 15.0


def history_points(
    model: FleetModel, end: float, target: Labels = ()
) -> dict[Series, list[tuple[float, float]]]:
    """Every series from `end - HISTORY_SECONDS` up to (not including) `end`.

    `target` is what scraping adds to every series (job, instance, and a fleet's cluster):
    with it, the history and the live samples are one series each, and rate() runs across
    the seam."""
    pods = model.pods()
    points: dict[Series, list[tuple[float, float]]] = {}
    t = end - HISTORY_SECONDS
    while t < end:
        for s in model.samples(t, pods):
            points.setdefault((s.name, (*s.labels, *target)), []).append((t, s.value))
        t += STEP_SECONDS
    return points


def write_points(points: dict[Series, list[tuple[float, float]]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(render_openmetrics(points))
    return path


def write_history(model: FleetModel, path: Path, end: float, target: Labels = ()) -> Path:
    return write_points(history_points(model, end, target), path)


def backfill(promtool: str, openmetrics: Path, tsdb: Path) -> None:
    """Writes TSDB blocks into `tsdb`; Prometheus loads them when it starts there."""
    done = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(tsdb)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"promtool could not backfill {openmetrics}: {last}")
