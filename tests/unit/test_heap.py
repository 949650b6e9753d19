"""What the console builds to start is left out of the collector's full passes; what it makes
later is collected as ever."""

from __future__ import annotations

import gc
import weakref

from oc_console.heap import freeze_startup


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_startup_objects_are_frozen_and_later_garbage_is_still_collected() -> None:
    kept = _Node()  # alive at start, like a module's objects
    try:
        freeze_startup()
        assert gc.get_freeze_count() > 0
        later = _cycle()  # garbage made while the console runs: only a pass can free a cycle
        gc.collect()
        assert later() is None
        assert not any(o is kept for o in gc.get_objects())  # a pass walks no frozen object
    finally:
        gc.unfreeze()
