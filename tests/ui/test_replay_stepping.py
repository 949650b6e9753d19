"""The screens on a recording: `]` `[` step frames, `space` plays, `t` jumps to a time, `}`
finds the next finding change; the header says REPLAY; no action key is bound."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from oc_console.config import Config
from oc_console.recording.reader import Recording
from oc_console.screens.replay import ReplayApp, make_replay_app
from oc_console.screens.widgets.source_bar import SourceBar
from oc_console.services.replay import ReplayConsole
from oc_console.services.replay_player import ReplayPlayer

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "recordings" / "sandbox-oom.ocrec"


def replay_app() -> ReplayApp:
    player = ReplayPlayer(Recording(FIXTURE), Config(), speed=60)
    return make_replay_app(ReplayConsole(Config(), player))


def header(app: ReplayApp) -> str:
    return str(app.screen.query_one(SourceBar).render())


async def test_stepping_playing_and_jumping_in_a_replay() -> None:
    app = replay_app()
    player = app.replay.player
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        frames = len(player)
        assert app.snapshot is not None and app.snapshot.replay is not None
        assert f"REPLAY {player.at:%Y-%m-%d %H:%M:%S}Z paused x60 1/{frames}" in header(app)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert player.index == 2 and app.snapshot.generated_at == player.at
        assert f"3/{frames}" in header(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert player.index == 1
        # t: a time, typed into the prompt
        rec = Recording(FIXTURE)
        typed = (rec.frames[5].time + timedelta(seconds=1)).replace(microsecond=0)
        await pilot.press("t", *typed.strftime("%H:%M:%S"), "enter")
        await pilot.pause()
        assert player.index == rec.index_at(typed) >= 5
        # space plays at 60 recorded seconds a second: the end in well under a second
        await pilot.press("space")
        await pilot.pause(1.5)
        assert player.index == frames - 1 and not player.playing
        assert "paused" in header(app)
        # no action key in a replay, on any screen
        assert app.screen.check_action("act", ("restart",)) is False
        await pilot.press("r")
        await pilot.pause()
        assert not app.service.actions.all()


async def test_the_next_finding_change_is_one_key_away() -> None:
    app = replay_app()
    player = app.replay.player
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        expected = player.change_index(1)
        await pilot.press("right_curly_bracket")
        await pilot.pause(0.5)
        if expected is None:
            assert player.index == 0
        else:
            assert player.index == expected
            assert player.finding_keys(expected) != player.finding_keys(expected - 1)
            await pilot.press("left_curly_bracket")
            await pilot.pause(0.5)
            assert player.index < expected
