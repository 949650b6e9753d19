"""How the engine awaits and reports one step of an action: to its end even when the caller is
cancelled (`finish`), and its failure as one clean line (`first_line`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from oc_console.sanitize import clean

T = TypeVar("T")


def first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clean(text)


async def finish(step: Awaitable[T]) -> T:
    """Await a step that must not be cut in half (a Lease taken, a record written): when the
    caller is cancelled, the step still completes before the cancellation goes on, so what
    follows (the end record, giving the Lease back) knows what happened."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # seen here; the cancellation is what the caller gets
        raise
