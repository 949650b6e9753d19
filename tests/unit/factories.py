"""Pool snapshots built by hand for the pure tests."""

from __future__ import annotations

from typing import Any

from oc_console.domain.database import BlockedSession, PoolSnapshot, Session


def session(pid: int, app: str = "app", state: str = "idle in transaction", **kw: Any) -> Session:
    fields: dict[str, Any] = {
        "client_addr": "10.0.0.1", "user": "u", "database": "openclaw", "xact_age_s": 10.0,
        "state_age_s": 10.0, "wait_event": None, "query": "SELECT 1",
    }  # fmt: skip
    fields.update(kw)
    return Session(pid=pid, application_name=app, state=state, **fields)


def pool(**kw: Any) -> PoolSnapshot:
    fields: dict[str, Any] = {
        "server_version": "18.6", "max_connections": 103, "reserved_connections": 3,
        "sessions_by_state": (("idle", 10),), "sessions_by_application": (("app", 10),),
        "oldest_xact_age_s": None, "oldest_xact_pid": None, "idle_in_transaction_count": 0,
        "idle_in_transaction": (), "blocked": (), "blockers": (), "hidden_sessions": 0,
        "role": "oc_monitor", "can_see_all": True, "statements": None,
        "statements_note": None,
    }  # fmt: skip
    fields.update(kw)
    return PoolSnapshot(**fields)


def blocked(s: Session, *by: int) -> BlockedSession:
    return BlockedSession(s, tuple(by))
