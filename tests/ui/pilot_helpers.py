"""Waiting in Pilot tests: for a condition, not for a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from oc_console.screens.widgets.row_table import Row, RowTable


async def until(pilot: Pilot[Any], check: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await pilot.pause(0.05)


def pick(table: RowTable, where: Callable[[Row], object]) -> Row:
    """Put the cursor on the first row `where` holds for, as the arrow keys do. Setting
    `cursor` is a program's move: a list that follows its top row takes it back at the next
    refresh, and a key pressed after that acts on another row."""
    index = next(i for i, r in enumerate(table.rows) if where(r))
    table.action_cursor(index - table.cursor)
    assert table.current is table.rows[index]
    return table.rows[index]
