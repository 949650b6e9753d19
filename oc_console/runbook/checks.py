"""The runbooks' `check` and `wait` steps by name: the console's own queries, each with a judged
result (ok / problem / unknown) and the facts behind it (check_context.py). A check never
writes anything. One module per family: checks_adapter, checks_webhook, checks_database,
checks_certificate."""

from __future__ import annotations

from oc_console.runbook.check_context import Check
from oc_console.runbook.checks_adapter import (
    last_termination,
    memory_vs_limit,
    previous_logs,
    rollout_complete,
    rollout_history,
)
from oc_console.runbook.checks_certificate import certificate
from oc_console.runbook.checks_database import idle_in_transaction, order_state, pool_owner
from oc_console.runbook.checks_webhook import quiet, secret_source, webhook_secret

CHECKS: dict[str, Check] = {
    "memory-vs-limit": memory_vs_limit,
    "last-termination": last_termination,
    "previous-logs": previous_logs,
    "rollout-history": rollout_history,
    "rollout-complete": rollout_complete,
    "webhook-secret": webhook_secret,
    "webhook-secret-source": secret_source,
    "webhook-quiet": quiet,
    "idle-in-transaction": idle_in_transaction,
    "pool-owner": pool_owner,
    "certificate": certificate,
    "order-state": order_state,
}
