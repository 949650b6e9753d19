"""`?` at 80x24, driven by Pilot: this screen's keys first, the keys Textual answers itself (tab,
ctrl+p), every `:` command, and an overlay that scrolls with j/k/g/G like a table."""

from __future__ import annotations

import io

from rich.console import Console
from textual.containers import VerticalScroll

from oc_console.screens.app import SCREEN_NAMES
from oc_console.screens.help import HelpScreen, command_rows, help_table
from tests.ui.test_ui_habits import CRASHLOOP, app_with


async def test_help_lists_this_screen_first_every_command_and_scrolls() -> None:
    app = app_with(CRASHLOOP)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        groups = [title for title, rows in app.screen.groups.items() if rows]
        assert groups[0] == "This screen"
        everywhere = dict(app.screen.groups["Everywhere"])
        assert "tab shift+tab" in everywhere and "ctrl+p" in everywhere
        console = Console(width=76, record=True, file=io.StringIO())
        console.print(help_table(app.screen.groups))
        shown = console.export_text()
        listed = {word for key, _ in command_rows() for word in key.split()}
        assert {f":{name}" for name in SCREEN_NAMES} <= listed
        assert {":order", ":actions", ":help", ":q"} <= listed
        for word in (":alerts", ":changes", ":releases", ":orders", ":order ID", ":actions"):
            assert word in shown, word
        assert shown.index("This screen") < shown.index("Everywhere")
        box = app.screen.query_one(VerticalScroll)
        assert box.max_scroll_y > 0  # at 24 lines the list is longer than the overlay
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert box.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert box.scroll_y == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
