"""Save the README's SVG screenshots: the console on the sandbox, the screens at 120x40 and the
Overview as it first looks over SSH, at 80x24; and a recorded incident replayed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from oc_console.config import Config
from oc_console.config_loading import load_config
from oc_console.recording.reader import Recording
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.screens.app import make_app
from oc_console.screens.replay import make_replay_app
from oc_console.services.console import Console
from oc_console.services.replay import ReplayConsole, offline
from oc_console.services.replay_player import ReplayPlayer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# a sandbox incident recorded by `demo --record`, which the tests replay too
RECORDED_OOM = ROOT / "tests" / "fixtures" / "recordings" / "sandbox-oom.ocrec"
Shots = tuple[tuple[str, str], ...]  # (file name, the key that opens the screen)
SHOTS: tuple[tuple[tuple[int, int], Shots], ...] = (
    (
        (120, 40),
        (
            ("overview", "1"),
            ("adapters", "3"),
            ("database", "2"),
            ("certificates", "5"),
            ("changes", "8"),
        ),
    ),
    ((80, 24), (("overview-80x24", "1"),)),
)


async def shoot(sandbox: Sandbox, size: tuple[int, int], shots: Shots) -> None:
    app = make_app(Console(load_config(flags=sandbox.flags(), environ={}), context_label="sandbox"))
    async with app.run_test(size=size) as pilot:
        while not (app.snapshot and app.snapshot.fleet and app.snapshot.metrics):
            await pilot.pause(0.1)
        while not app.snapshot.firing:  # Alertmanager's first pages
            await pilot.pause(0.2)
        await pilot.pause(8)  # the first log sample lands a few seconds in
        for name, key in shots:
            await pilot.press(key)
            await pilot.pause(0.5)
            app.save_screenshot(str(DOCS / f"{name}.svg"))


async def shoot_replay() -> None:
    """The recorded OOM incident replayed, at the frame where the kill first shows (`}`)."""
    player = ReplayPlayer(Recording(RECORDED_OOM), offline(Config()))
    app = make_replay_app(ReplayConsole(Config(), player))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("right_curly_bracket")
        await pilot.pause(0.5)
        app.save_screenshot(str(DOCS / "replay.svg"))


async def shoot_all(sandbox: Sandbox) -> None:
    for size, shots in SHOTS:
        await shoot(sandbox, size, shots)
    await shoot_replay()


if __name__ == "__main__":
    with Sandbox(parse_scenarios("all")) as sandbox:
        asyncio.run(shoot_all(sandbox))
