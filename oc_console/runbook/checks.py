"""The runbooks' `check` and `wait` steps: the console's own queries, each with a judged
result (ok / problem / unknown) and the facts behind it. A check never writes anything.

"unknown" is never "ok": a source that cannot be read says so (never a false OK)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from oc_console.analysis.owners import session_owners
from oc_console.domain.durations import human_duration
from oc_console.domain.kube import ROLLOUT_STUCK, AdapterHealth, FleetSnapshot, LogLine
from oc_console.domain.metrics import PodMemory
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.actions.base import ActionEnv, ActionStop, Target
from oc_console.runbook.actions.compose import service_state
from oc_console.runbook.actions.rollout import get_deployment, rollout_state
from oc_console.sanitize import clean


class LogTail(Protocol):
    def __call__(
        self, namespace: str, pod: str, container: str, *, previous: bool = False, tail: int = 500
    ) -> Awaitable[tuple[LogLine, ...]]: ...


@dataclass(frozen=True)
class Facts:
    """What checks read, handed to them by whoever runs them: a snapshot with every source
    read now, and a container's last log lines. Nothing else of the console reaches them."""

    fresh: Callable[[], Awaitable[ConsoleSnapshot]]
    log_tail: LogTail


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # ok | problem | unknown
    summary: str
    lines: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = field(default_factory=tuple)  # for an action's for_each


@dataclass
class CheckContext:
    facts: Facts
    env: ActionEnv


Check = Callable[[CheckContext, dict[str, str]], Awaitable[CheckResult]]


def _unknown(why: str) -> CheckResult:
    return CheckResult("unknown", why)


def _adapter(fleet: FleetSnapshot | None, args: dict[str, str]) -> AdapterHealth | None:
    if fleet is None:
        return None
    return next(
        (a for a in fleet.adapters
         if a.name == args.get("deployment") and a.namespace == args.get("namespace")),
        None,
    )  # fmt: skip


def _unseen(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    if ctx.env.docker is not None:  # a VM: the deployment parameter names a compose service
        return _unknown(f"cannot see service {args.get('deployment')} in compose project "
                        f"{args.get('namespace')} (Docker source)")  # fmt: skip
    return _unknown(f"cannot see deployment {args.get('deployment')} (Kubernetes source)")


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
    adapter = _adapter(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return _unseen(ctx, args)
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
        return _unknown(f"no working set of {adapter.name} against a limit (Prometheus source), "
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
    adapter = _adapter(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return _unseen(ctx, args)
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
    adapter = _adapter(snap.fleet, args)
    if adapter is None or snap.fleet is None:
        return _unseen(ctx, args)
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
        return _unknown(f"cannot read the previous log of {pod.name}: {clean(str(exc))}")
    shown = tuple(clean(line.msg or line.raw or "") for line in lines)
    return CheckResult("problem", f"last lines before {pod.name}/{c.name} crashed", shown)


async def rollout_history(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    adapter = _adapter(snap.fleet, args)
    if adapter is None:
        return _unseen(ctx, args)
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


def _secret_key(ctx: CheckContext, deployment: str) -> str:
    """<PLATFORM>_WEBHOOK_SECRET, the platform read with the configured adapter pattern."""
    match = re.match(ctx.env.config.kubernetes.adapter_pattern, deployment)
    platform = match.group("platform") if match else ""
    return f"{platform.upper().replace('-', '_')}_WEBHOOK_SECRET" if platform else ""


def _fingerprint(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _b64(data: bytes) -> bytes | None:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


async def webhook_secret(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """Was the webhook secret base64-encoded twice? Fingerprints only, never the value."""
    ns, name = args["namespace"], args["secret"]
    key = args.get("key") or _secret_key(ctx, args.get("deployment", ""))
    if not key:
        return _unknown(f"deployment {args.get('deployment')} does not name an adapter platform")
    if ctx.env.docker is not None:  # a VM: the key is in the service's environment
        from oc_console.runbook.vm_checks import compose_secret

        return await compose_secret(ctx, ns, args.get("deployment", ""), key)
    try:
        secret: dict[str, Any] = await ctx.env.kcall(
            "GET", f"/api/v1/namespaces/{ns}/secrets/{name}", verb="get", resource="secrets",
            namespace=ns,
        )  # fmt: skip
    except ActionStop as exc:
        return _unknown(f"cannot read Secret {ns}/{name}: {exc}")
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return CheckResult("problem", f"Secret {ns}/{name} has no key {key}")
    once = _b64(raw.encode()) or b""
    twice = _b64(once)
    lines = [f"{key} as stored (decoded once): {_fingerprint(once)}, {len(once)} bytes"]
    # a key encoded twice decodes a second time into printable text; a real key's raw bytes
    # (or text with '_' or '-') do not
    if twice is not None and len(twice) >= 8 and twice.isascii() and twice.decode().isprintable():
        lines.append(f"decoded twice: {_fingerprint(twice)}, {len(twice)} bytes")
        return CheckResult(
            "problem",
            f"{key} in Secret {name} is base64-encoded twice: the adapter signs with wrong bytes",
            tuple(lines),
        )
    return CheckResult("ok", f"{key} in Secret {name} is encoded once", tuple(lines))


async def webhook_secret_source(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    from oc_console.runbook.checks_webhook import secret_source  # it imports the types above

    return await secret_source(ctx, args)


async def webhook_quiet(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    from oc_console.runbook.checks_webhook import quiet

    return await quiet(ctx, args)


def _minutes(args: dict[str, str]) -> float:
    return float(args.get("minutes") or 5)


async def idle_in_transaction(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    pool = snap.database
    if pool is None:
        return _unknown("cannot see PostgreSQL sessions (PostgreSQL source)")
    app = args.get("application_name")
    limit = _minutes(args) * 60
    old = [s for s in pool.idle_in_transaction
           if (not app or s.application_name == app) and (s.xact_age_s or 0) >= limit]  # fmt: skip
    rows = tuple({"pid": str(s.pid), "application_name": s.application_name} for s in old)
    lines = tuple(
        f"pid {s.pid} {clean(s.application_name)} from {s.client_addr or 'local'}: "
        f"idle in transaction for {(s.xact_age_s or 0) / 60:.1f} min"
        for s in old[:20]
    ) + ((f"... and {len(old) - 20} more",) if len(old) > 20 else ())
    who = f" from {app}" if app else ""
    if old:
        return CheckResult(
            "problem", f"{len(old)} sessions{who} idle in transaction for over "
            f"{_minutes(args):g} min ({pool.idle_in_transaction_count} idle in transaction in all)",
            lines, rows,
        )  # fmt: skip
    return CheckResult("ok", f"no session{who} idle in transaction for over {_minutes(args):g} min")


def _owner_kind(ctx: CheckContext) -> str:
    return "compose service" if ctx.env.docker is not None else "deployment"


async def pool_owner(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """Which Deployment owns the sessions of an application_name."""
    snap = await ctx.facts.fresh()
    app = args["application_name"]
    if snap.fleet is None:
        return _unknown("cannot see Deployments (Kubernetes source)")
    if snap.database is None:
        return _unknown("cannot see PostgreSQL sessions (PostgreSQL source)")
    where = args.get("namespace")
    owner = next((o for o in session_owners(snap.database, snap.fleet)
                  if o.application_name == app and (not where or o.namespace == where)),
                 None)  # fmt: skip
    if owner is None:
        # not a verdict on the pool but on the target: nothing that needs an owner may act
        scope = f" in namespace {where}" if where else ""
        return _unknown(f"no Deployment{scope} owns the sessions of {app}: nothing to restart, "
                        "find the client first (pg_stat_activity's client_addr)")  # fmt: skip
    # the owner of sessions left idle in transaction is the leak the pool findings are about
    idle = sum(s.application_name == app for s in snap.database.idle_in_transaction)
    held = f", {idle} of them idle in transaction" if idle else ", none idle in transaction"
    return CheckResult(
        "problem" if idle else "ok",
        f"{owner.sessions} sessions of {app} belong to {_owner_kind(ctx)} "
        f"{owner.namespace}/{owner.deployment}{held}",
        rows=({"namespace": owner.namespace, "deployment": owner.deployment},),
    )


async def certificate(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    if snap.fleet is None:
        return _unknown("cannot see certificates (Kubernetes source)")
    key = (args["namespace"], args["certificate"])
    cert = next((c for c in snap.fleet.certificates if (c.namespace, c.name) == key), None)
    if cert is None:
        return _unknown(f"cannot see certificate {args['namespace']}/{args['certificate']}")
    left = cert.remaining(snap.generated_at)
    t = ctx.env.config.kubernetes.thresholds
    # the same window the analysis judges by: the Certificate's renewBefore, at least the policy
    policy = t.renew_before_policy
    window = max(cert.renew_before or policy, policy)
    lines = (
        f"notAfter {cert.not_after.isoformat() if cert.not_after else 'none'}",
        f"Ready {cert.ready}, issuing {cert.issuing}",
        "renewBefore "
        + (human_duration(cert.renew_before.total_seconds()) if cert.renew_before else "unset"),
    )
    if cert.ready is not True:
        return CheckResult(
            "problem", f"certificate {cert.name} is not Ready: {clean(cert.reason or '')}", lines
        )
    if left is not None and left <= window:
        soon = human_duration(left.total_seconds())
        return CheckResult("problem", f"certificate {cert.name} expires in {soon}", lines)
    if cert.managed and cert.renew_before is not None and not t.policy_ok(cert):
        early, floor = cert.renew_before.total_seconds(), policy.total_seconds()
        summary = (
            f"certificate {cert.name} renews only {human_duration(early)} before expiry, "
            f"below the {human_duration(floor)} policy"
        )
        return CheckResult("problem", summary, lines)
    return CheckResult("ok", f"certificate {cert.name} is Ready and not due for renewal", lines)


async def order_state(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    from oc_console.runbook.actions.backend import pg_access
    from oc_console.runbook.actions.replay import ORDER

    try:
        row = await pg_access(ctx.env).fetchrow(ORDER, args["order_id"])
    except ActionStop as exc:
        return _unknown(str(exc))
    if row is None:
        return CheckResult("problem", f"order {args['order_id']} is not in the orders table")
    line = f"order {row['order_id']} ({row['platform']}, {row['shop_id']}): {row['status']}, " \
           f"updated {row['updated_at'].isoformat()}, {row['attempt']} attempts"  # fmt: skip
    verdict = "ok" if row["status"] == "synced" else "problem"
    return CheckResult(verdict, line)


CHECKS: dict[str, Check] = {
    "memory-vs-limit": memory_vs_limit,
    "last-termination": last_termination,
    "previous-logs": previous_logs,
    "rollout-history": rollout_history,
    "rollout-complete": rollout_complete,
    "webhook-secret": webhook_secret,
    "webhook-secret-source": webhook_secret_source,
    "webhook-quiet": webhook_quiet,
    "idle-in-transaction": idle_in_transaction,
    "pool-owner": pool_owner,
    "certificate": certificate,
    "order-state": order_state,
}
