"""The runbooks' checks on an adapter's pods and rollout: memory against the limit, the last
termination and crash loops, the log before the last crash, the revisions kept and whether a
rollout completed."""

from __future__ import annotations

import math

from oc_console.domain.kube import ROLLOUT_STUCK, AdapterHealth
from oc_console.domain.metrics import PodMemory
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.actions.base import ActionStop, Target
from oc_console.runbook.actions.compose import service_state
from oc_console.runbook.actions.rollout import get_deployment, rollout_state
from oc_console.runbook.check_context import (
    CheckContext,
    CheckResult,
    adapter_named,
    unknown,
    unseen,
)
from oc_console.sanitize import clean


def _mib(n: float | None) -> str:
    return "?" if n is None else f"{n / 2**20:.0f}Mi"


def _pods_of_deployment(pod: str) -> str:
    """The Deployment a pod name belongs to, as the memory analysis names its subject."""
    return pod.rsplit("-", 2)[0]


def _memory_usage(snap: ConsoleSnapshot, adapter: AdapterHealth) -> list[PodMemory]:
    """The containers the memory-near-limit finding judges: the adapter's pods in Prometheus."""
    if snap.metrics is None:
        return []
    return [
        m
        for m in snap.metrics.pods
        if m.namespace == adapter.namespace and _pods_of_deployment(m.pod) == adapter.name
    ]


def _share(ratio: float) -> str:
    return f"{ratio:.0%}" if math.isfinite(ratio) else "an unbounded share"


async def memory_vs_limit(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """The working set against the limit with the analysis's thresholds (as memory-near-limit
    judges), and OOM kills with the domain's predicate over every container (as
    adapter-oomkilled counts them): a container near its limit is a problem before its kill."""
    snap = await ctx.facts.fresh()
    adapter = adapter_named(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return unseen(ctx, args)
    t = ctx.env.config.prometheus.thresholds
    usage = {(m.pod, m.container): m for m in _memory_usage(snap, adapter) if m.ratio is not None}
    lines, killed, near, calm = [], [], [], []
    for m in usage.values():
        if (m.ratio or 0.0) >= t.memory_ratio_warning:
            near.append(f"{m.pod}/{m.container} at {_share(m.ratio or 0.0)}")
    for pod in snap.fleet.pods_of(adapter):
        for c in pod.containers:
            used = usage.get((pod.name, c.name))
            if used is None and not c.oomkilled:
                continue
            share = (used.ratio or 0.0) if used is not None else 0.0
            if used is not None and not c.oomkilled and share < t.memory_ratio_warning:
                calm.append(share)
                continue  # one line for all of them: the walk fits 80x24
            facts = []
            if used is not None:
                facts.append(f"{_mib(used.working_set_bytes)} of {_mib(used.limit_bytes)} "
                             f"limit ({_share(used.ratio or 0.0)})")  # fmt: skip
            else:
                facts.append(f"working set unknown, limit {_mib(c.memory_limit)}")
            if c.oomkilled:
                killed.append(f"{pod.name}/{c.name}")
                facts.append(f"OOMKilled (exit {c.last_exit_code})")
            lines.append(f"{pod.name}/{c.name}: {', '.join(facts)}, {c.restart_count} restarts")
    threshold = f"{t.memory_ratio_warning:.0%}"
    if calm:
        lines.append(f"{len(calm)} other container(s) at most {_share(max(calm))} of their limit")
    if killed:
        also = f"; {len(near)} near the limit" if near else ""
        summary = f"{len(killed)} container(s) of {adapter.name} were OOMKilled{also}"
        return CheckResult("problem", summary, tuple(lines))
    if near:
        summary = (
            f"{', '.join(near[:3])} of the memory limit (threshold {threshold}): "
            "no kill yet, the next spike is one"
        )
        return CheckResult("problem", summary, tuple(lines))
    if not usage:
        return unknown(f"no working set of {adapter.name} against a limit (Prometheus source), "
                        "and no OOM kill")  # fmt: skip
    top = max(m.ratio or 0.0 for m in usage.values())
    summary = (
        f"{adapter.name}: no OOM kill, working set at most {_share(top)} of the limit "
        f"(threshold {threshold})"
    )
    return CheckResult("ok", summary, tuple(lines))


async def last_termination(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """Crash loops with the domain's predicate over every container, and the rollout and
    readiness the rollout-stuck, adapter-unavailable and adapter-degraded findings judge."""
    snap = await ctx.facts.fresh()
    adapter = adapter_named(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return unseen(ctx, args)
    lines, looping = [], 0
    for pod in snap.fleet.pods_of(adapter):
        for c in pod.containers:
            looping += c.crashloop
            if c.last_reason or c.reason:
                lines.append(f"{pod.name}/{c.name}: {c.state} {c.reason or ''}, last "
                             f"{c.last_reason or '-'} (exit {c.last_exit_code}), "
                             f"{c.restart_count} restarts")  # fmt: skip
    if looping:
        return CheckResult("problem", f"{looping} container(s) in CrashLoopBackOff", tuple(lines))
    if adapter.rollout == ROLLOUT_STUCK:
        return CheckResult("problem", f"rollout stuck: {clean(adapter.rollout_message)}",
                           tuple(lines))  # fmt: skip
    if adapter.ready < adapter.desired:
        return CheckResult("problem", f"{adapter.ready} of {adapter.desired} pods of "
                           f"{adapter.name} ready, none crash-looping", tuple(lines))  # fmt: skip
    return CheckResult("ok", f"no container of {adapter.name} is crash-looping, "
                       f"{adapter.ready}/{adapter.desired} ready", tuple(lines))  # fmt: skip


async def previous_logs(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    adapter = adapter_named(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return unseen(ctx, args)
    crashed = [(p, c) for p in snap.fleet.pods_of(adapter) for c in p.containers if c.restart_count]
    # the container the crash-loop finding quotes first (its first crash-looping one), then
    # an OOMKilled one, then any that restarted
    crashed.sort(key=lambda pc: (not pc[1].crashloop, not pc[1].oomkilled))
    if not crashed:
        return CheckResult("ok", "no container restarted: there is no previous log")
    pod, c = crashed[0]
    try:
        lines = await ctx.facts.log_tail(pod.namespace, pod.name, c.name, previous=True, tail=12)
    except Exception as exc:
        return unknown(f"cannot read the previous log of {pod.name}: {clean(str(exc))}")
    shown = tuple(clean(line.msg or line.raw or "") for line in lines)
    return CheckResult("problem", f"last lines before {pod.name}/{c.name} crashed", shown)


async def rollout_history(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    adapter = adapter_named(snap.fleet, args)
    if adapter is None:
        return unseen(ctx, args)
    lines = tuple(
        f"revision {r.revision}: {r.ready}/{r.replicas} ready, {', '.join(r.images)}"
        for r in adapter.revisions
    )
    if len(adapter.revisions) < 2:
        return CheckResult("problem", "no previous revision to roll back to", lines)
    return CheckResult("ok", f"{len(adapter.revisions)} revisions kept", lines)


async def rollout_complete(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    target = Target("deployment", args["deployment"], args["namespace"])
    try:
        if ctx.env.docker is not None:  # a VM: the compose service's containers
            done, message = await service_state(ctx.env, target.namespace, target.name)
        else:
            done, message = rollout_state(await get_deployment(ctx.env, target))
    except ActionStop as exc:
        return CheckResult("problem", str(exc))
    return CheckResult("ok" if done else "problem", message)
