"""The runbooks' checks on PostgreSQL: sessions left idle in transaction, the Deployment (or
compose service) that owns an application's sessions, and one order's state."""

from __future__ import annotations

from oc_console.analysis.owners import session_owners
from oc_console.runbook.actions.base import ActionStop
from oc_console.runbook.check_context import CheckContext, CheckResult, unknown
from oc_console.sanitize import clean


def _minutes(args: dict[str, str]) -> float:
    return float(args.get("minutes") or 5)


async def idle_in_transaction(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    pool = snap.database
    if pool is None:
        return unknown("cannot see PostgreSQL sessions (PostgreSQL source)")
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
        return unknown("cannot see Deployments (Kubernetes source)")
    if snap.database is None:
        return unknown("cannot see PostgreSQL sessions (PostgreSQL source)")
    where = args.get("namespace")
    owner = next((o for o in session_owners(snap.database, snap.fleet)
                  if o.application_name == app and (not where or o.namespace == where)),
                 None)  # fmt: skip
    if owner is None:
        # not a verdict on the pool but on the target: nothing that needs an owner may act
        scope = f" in namespace {where}" if where else ""
        return unknown(f"no Deployment{scope} owns the sessions of {app}: nothing to restart, "
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


async def order_state(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    from oc_console.runbook.actions.backend import pg_access
    from oc_console.runbook.actions.replay import ORDER

    try:
        row = await pg_access(ctx.env).fetchrow(ORDER, args["order_id"])
    except ActionStop as exc:
        return unknown(str(exc))
    if row is None:
        return CheckResult("problem", f"order {args['order_id']} is not in the orders table")
    line = f"order {row['order_id']} ({row['platform']}, {row['shop_id']}): {row['status']}, " \
           f"updated {row['updated_at'].isoformat()}, {row['attempt']} attempts"  # fmt: skip
    verdict = "ok" if row["status"] == "synced" else "problem"
    return CheckResult(verdict, line)
