"""cancel and terminate a PostgreSQL backend (`pg_cancel_backend` / `pg_terminate_backend`).

A pid is reused by the server once its session ends, so the preview records the session's
identity (backend_start, application_name) and the statement that acts re-checks it in the
same query: if the pid now belongs to another session, nothing is signalled."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Preview,
    Progress,
    Refused,
)
from oc_console.runbook.pg import PgAccess

SESSION = """
SELECT pid, backend_start, application_name, state, usename, host(client_addr) AS client_addr,
       query_start
FROM pg_stat_activity WHERE pid = $1
"""
# the identity check and the signal in one statement: nothing can change in between
SIGNAL = """
SELECT {fn}(pid) FROM pg_stat_activity
WHERE pid = $1 AND backend_start = $2 AND application_name = $3
"""


# pg_stat_activity.state of a session holding a transaction open with no query running
IDLE_IN_TRANSACTION = frozenset({"idle in transaction", "idle in transaction (aborted)"})


def pg_access(env: ActionEnv) -> PgAccess:
    if not env.config.postgres_configured:
        raise ActionFailed("PostgreSQL is not configured (--pg-dsn or PG* variables)")
    return PgAccess(env.config.postgres)


def _identity(row: Any) -> str:
    return f"{row['backend_start'].isoformat()}|{row['application_name'] or ''}"


class _Signal(Action):
    function: ClassVar[str]
    _session: Any = None

    @property
    def leased(self) -> bool:
        return False  # a session is not a cluster object; the identity check guards it

    @property
    def pid(self) -> int:
        try:
            pid = int(self.params.get("pid", self.target.name))
        except (TypeError, ValueError):
            raise ActionFailed(f"not a backend pid: {self.params.get('pid')!r}") from None
        if pid <= 0:
            raise ActionFailed(f"not a backend pid: {pid}")
        return pid

    async def _read(self, env: ActionEnv) -> Any:
        return await pg_access(env).fetchrow(SESSION, self.pid)

    async def check(self, env: ActionEnv) -> None:
        row = await self._read(env)
        if row is None:
            raise Refused("precondition", f"no backend with pid {self.pid}")
        shown = self.params.get("application_name")
        if shown is not None and shown != (row["application_name"] or ""):
            raise Refused(
                "target-changed",
                f"pid {self.pid} is now {row['application_name']!r}, not the {shown!r} shown",
            )
        self._session = row

    async def current_version(self, env: ActionEnv) -> str:
        row = await self._read(env)
        return _identity(row) if row is not None else "gone"

    async def preview(self, env: ActionEnv) -> Preview:
        if self._session is None:
            await self.check(env)
        row = self._session
        sql = SIGNAL.format(fn=self.function).strip()
        where = pg_access(env).where
        return Preview(
            summary=f"{self.title} pid {self.pid} ({row['application_name'] or 'no name'}, "
            f"{row['state'] or 'state hidden'}, user {row['usename']}) on {where}",
            detail=f"{sql}\n-- $1 = {self.pid}\n-- $2 = {row['backend_start'].isoformat()}"
            f"\n-- $3 = {row['application_name'] or ''!r}",
            version=_identity(row),
            facts={
                "backend_start": row["backend_start"].isoformat(),
                "application_name": row["application_name"] or "",
                "database": where,
            },
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        row = self._session
        sql = SIGNAL.format(fn=self.function)
        done = await pg_access(env).fetch(
            sql, self.pid, row["backend_start"], row["application_name"] or ""
        )
        if not done:
            raise Refused("target-changed", f"pid {self.pid} is no longer the session shown")
        if not done[0][0]:
            raise ActionFailed(f"{self.function}({self.pid}) was not delivered")
        return self.done_word

    done_word: ClassVar[str]


class Cancel(_Signal):
    kind = "cancel"
    title = "cancel the query of backend"
    function = "pg_cancel_backend"
    done_word = "cancelled"

    async def check(self, env: ActionEnv) -> None:
        """pg_cancel_backend on a session with no query running does nothing at all, and an
        operator who pressed it for a held transaction would think it was dealt with."""
        await super().check(env)
        state = self._session["state"]
        if state in IDLE_IN_TRANSACTION:
            raise Refused(
                "idle-in-transaction",
                f"pid {self.pid} is idle in transaction: there is no query to cancel; "
                "terminate it (k) to end the transaction",
            )
        if state == "idle":
            raise Refused("precondition", f"pid {self.pid} is idle: there is no query to cancel")

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        deadline = time.monotonic() + 5
        while True:
            row = await self._read(env)
            if row is None or _identity(row) != _identity(self._session):
                return "the session has ended"
            running = (
                row["state"] == "active" and row["query_start"] == self._session["query_start"]
            )
            if not running:
                return f"no query running now (state {row['state']})"
            if time.monotonic() >= deadline:
                raise ActionFailed("the query is still running 5s after the cancel signal")
            await asyncio.sleep(env.poll_interval)


class Terminate(_Signal):
    kind = "terminate"
    title = "terminate backend"
    function = "pg_terminate_backend"
    done_word = "terminated"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        deadline = time.monotonic() + 10
        progress(f"waiting for pid {self.pid} to end...")
        while True:
            row = await self._read(env)
            if row is None or _identity(row) != _identity(self._session):
                return f"session {self.pid} is gone"
            if time.monotonic() >= deadline:
                raise ActionFailed(f"pid {self.pid} still there 10s after pg_terminate_backend")
            await asyncio.sleep(env.poll_interval)
