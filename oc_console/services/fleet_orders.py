"""An order lookup across a fleet. A seller's order lives in one region's database, and the
engineer does not know which: every target with an orders database is asked at once whether
it knows the order, each within its own deadline, and the full lookup (database, traces, logs,
pod events) runs on the target that does.

When several know it, the focused target wins, then the configured order: the answer is the
same each time, and it waits for a target ahead in that order only until that target answers
or its deadline passes, so one hung database delays the answer by its own deadline at most.
When none knows it, the focused target's lookup runs as with one target (its traces and logs
may still know the order), and the timeline says which targets were asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace

from oc_console.domain.orders import OrderTimeline, TargetProbe
from oc_console.errors import SourceError
from oc_console.services.console import Console


async def _probe(name: str, console: Console, order_id: str) -> TargetProbe:
    deadline = console.config.orders.part_timeout_seconds
    try:
        knows = await asyncio.wait_for(console.knows_order(order_id), deadline)
    except TimeoutError:
        return TargetProbe(name, None, f"no answer within {deadline:g} s")
    except SourceError as exc:
        return TargetProbe(name, None, str(exc).splitlines()[0] if str(exc) else "failed")
    except Exception as exc:  # a source bug fails this target's answer, not the lookup
        return TargetProbe(name, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
    return TargetProbe(name, knows)


async def ask_targets(
    ranked: Sequence[tuple[str, Console]], order_id: str
) -> tuple[str | None, tuple[TargetProbe, ...]]:
    """The first target in `ranked` whose database knows the order (None when none does), and
    the answers of every target asked up to it; targets behind it are not waited for."""
    tasks = [(n, asyncio.ensure_future(_probe(n, c, order_id))) for n, c in ranked]
    probes: list[TargetProbe] = []
    try:
        for name, task in tasks:
            probe = await task  # bounded by the target's own deadline
            probes.append(probe)
            if probe.knows:
                return name, tuple(probes)
        return None, tuple(probes)
    finally:
        for _, task in tasks:
            task.cancel()


async def fleet_lookup(
    members: dict[str, Console],
    focused: str,
    order_id: str,
    on_update: Callable[[OrderTimeline], None] | None = None,
) -> OrderTimeline:
    """The order's timeline from the target that knows it, naming that target and the
    answers of those asked; every part streamed to `on_update` as it arrives."""
    order_id = members[focused].check_order_id(order_id)  # a refused ID reaches no target
    ranked = [(focused, members[focused])]
    ranked += [(n, c) for n, c in members.items() if n != focused]
    asked = [(n, c) for n, c in ranked if c.has_orders_database]
    answered, probes = await ask_targets(asked, order_id)
    name = answered or focused

    def named(timeline: OrderTimeline) -> OrderTimeline:
        return replace(timeline, target=name, probes=probes)

    if on_update is not None:  # which target answers, before its first part arrives
        on_update(named(OrderTimeline(order_id)))
    update = None if on_update is None else (lambda t: on_update(named(t)))
    return named(await members[name].lookup_order(order_id, update))
