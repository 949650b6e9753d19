"""The console's app on a recording: the same screens, plus the keys that move in time.

`[` `]` step a frame, `{` `}` jump to the previous or next moment a finding appears or clears,
`space` plays and pauses, `t` asks for a time (`:time 03:12` does the same). The facade is the
replay's (services/replay.py): read-only, so no action key is bound on any screen."""

from __future__ import annotations

import asyncio
from typing import cast

from textual.binding import Binding

from oc_console.errors import UserError
from oc_console.sanitize import clean
from oc_console.screens.app import ConsoleApp
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.widgets.prompt import Prompt
from oc_console.services.replay import ReplayConsole


class ReplayApp(ConsoleApp):
    BINDINGS = [
        *ConsoleApp.BINDINGS,
        Binding("left_square_bracket", "step(-1)", "frame back", id="replay.back"),
        Binding("right_square_bracket", "step(1)", "frame on", id="replay.on"),
        Binding("left_curly_bracket", "change(-1)", "prev change", id="replay.prev_change"),
        Binding("right_curly_bracket", "change(1)", "next change", id="replay.next_change"),
        Binding("space", "play", "play/pause", id="replay.play"),
        Binding("t", "time_prompt", "jump to a time", id="replay.time"),
    ]

    @property
    def replay(self) -> ReplayConsole:
        return cast(ReplayConsole, self.service)

    def on_mount(self) -> None:
        super().on_mount()
        note = self.replay.player.recording.damaged
        if note:
            self.notify(clean(f"this recording is {note}: replayed up to there"),
                        severity="warning", timeout=10)  # fmt: skip

    def action_step(self, frames: int) -> None:
        if not self.replay.player.step(frames):
            self.notify("the first frame" if frames < 0 else "the last frame", timeout=2)

    async def action_change(self, direction: int) -> None:
        player = self.replay.player
        # a scan over many frames decodes each: off the event loop
        index = await asyncio.to_thread(player.change_index, direction)
        if index is None:
            self.notify("no finding appears or clears " + ("before" if direction < 0 else "after")
                        + " this frame", timeout=3)  # fmt: skip
            return
        player.go(index)

    def action_play(self) -> None:
        self.replay.player.toggle()

    def action_time_prompt(self) -> None:
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.query_one(Prompt).open("command", "time ", return_focus=screen.focused)

    def run_command_line(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word.lower() not in ("t", "time", "at"):
            super().run_command_line(line)
            return
        try:
            self.replay.player.seek_text(rest)
        except UserError as exc:
            self.notify(clean(str(exc)), severity="error", markup=False)


def make_replay_app(console: ReplayConsole) -> ReplayApp:
    return ReplayApp(console)
