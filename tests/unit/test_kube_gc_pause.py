"""The collector's pause around a page decode: scoped, restored on error, nested by count so
overlapping decodes in two threads turn it back on only when the last one ends."""

from __future__ import annotations

import gc
import threading

import pytest

from oc_console.sources.kube.spec import gc_paused


def test_overlapping_pauses_in_two_threads_nest() -> None:
    assert gc.isenabled()
    first_in, second_done, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        first_in.wait(5)
        with gc_paused():
            seen.append(gc.isenabled())
        second_done.set()
        first_out.wait(5)
        seen.append(gc.isenabled())

    thread = threading.Thread(target=other)
    thread.start()
    with gc_paused():
        first_in.set()
        second_done.wait(5)
        seen.append(gc.isenabled())  # the other thread's pause ended: still paused for this one
    first_out.set()
    thread.join(5)
    assert seen == [False, False, True] and gc.isenabled()


def test_an_error_in_a_decode_turns_collection_back_on() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("bad page")
    assert gc.isenabled()
