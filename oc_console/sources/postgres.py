"""PostgreSQL: the pool probe and the cancel/terminate capabilities, over asyncpg.

At most two connections: one for the probe (kept open, reconnected after a failure) and one
opened only for an action. libpq conventions (PG* variables, ~/.pgpass, sslmode) are honoured
by asyncpg itself.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import orjson

from oc_console.config import PostgresConfig
from oc_console.domain.database import (
    BlockedSession,
    PoolSnapshot,
    Session,
    StatementStat,
)
from oc_console.errors import SourceError, UserError
from oc_console.pgdsn import read_dsn
from oc_console.redact import redact, secrets_of
from oc_console.sources import postgres_sql as sql


def _session(row: dict[str, Any]) -> Session:
    return Session(
        pid=int(row["pid"]),
        application_name=row.get("application_name") or "",
        client_addr=row.get("client_addr"),
        user=row.get("usename"),
        database=row.get("datname"),
        state=row.get("state"),
        xact_age_s=row.get("xact_age"),
        state_age_s=row.get("state_age"),
        wait_event=row.get("wait_event"),
        query=row.get("query") or "",
        xact_start=row.get("xact_start"),
        state_change=row.get("state_change"),
    )


def parse_probe(doc: dict[str, Any]) -> dict[str, Any]:
    """The probe's JSON document -> PoolSnapshot fields (statements are added apart)."""
    oldest = doc.get("oldest") or [None, None]
    return {
        "server_version": doc["version"],
        "max_connections": int(doc["max_connections"]),
        "reserved_connections": int(doc["reserved"]),
        "sessions_by_state": tuple((s, int(n)) for s, n in doc.get("states") or ()),
        "sessions_by_application": tuple((a or "", int(n)) for a, n in doc.get("apps") or ()),
        "sessions_by_client": tuple(
            (a or "", addr, int(n)) for a, addr, n in doc.get("clients") or ()
        ),
        "oldest_xact_pid": oldest[0],
        "oldest_xact_age_s": oldest[1],
        "idle_in_transaction_count": int(doc.get("iit_count") or 0),
        "idle_in_transaction": tuple(_session(r) for r in doc.get("iit") or ()),
        "blocked": tuple(
            BlockedSession(_session(b["s"]), tuple(int(p) for p in b["by"]))
            for b in sorted(doc.get("blocked") or (), key=lambda b: b["s"]["pid"])
        ),
        "blockers": tuple(_session(r) for r in doc.get("blockers") or ()),
        "hidden_sessions": int(doc.get("hidden") or 0),
        "role": doc["role"],
        "can_see_all": bool(doc["can_see_all"]),
    }


def describe_error(exc: BaseException, where: str, secrets: tuple[str, ...] = ()) -> str:
    """One line for a person, naming what failed and where, with every secret of the DSN
    redacted (asyncpg's own messages may quote it)."""
    return redact(_describe(exc, where).splitlines()[0], secrets)


def _describe(exc: BaseException, where: str) -> str:
    import asyncpg

    if isinstance(exc, UserError):  # from reading the DSN: already says "malformed"
        return f"{where}: {str(exc).removeprefix('postgres.dsn: ')}"
    if isinstance(exc, asyncpg.ClientConfigurationError):
        return f"{where}: malformed DSN or connection option: {exc}"
    if isinstance(exc, ValueError) and "invalid literal for int" in str(exc):
        # asyncpg's port parse; its text quotes a piece of the password, so it is not kept
        return f"{where}: malformed DSN (the port is not a number)"
    auth_errors = asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    if isinstance(exc, auth_errors):
        return f"{where}: authentication failed: {exc}"
    if isinstance(exc, asyncpg.QueryCanceledError):
        return f"{where}: the probe hit the statement timeout ({exc})"
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return f"{where}: permission denied: {exc}"
    if isinstance(exc, asyncpg.AdminShutdownError | asyncpg.CannotConnectNowError):
        return f"{where}: the server is shutting down or restarting; reconnecting"
    if isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        return f"{where}: connection lost (server restarted?); reconnecting"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return f"{where}: no answer within the timeout"
    if isinstance(exc, socket.gaierror):
        return f"{where}: host not found"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where}: connection refused"
    if isinstance(exc, OSError):
        return f"{where}: {exc.strerror or exc}"
    if isinstance(exc, asyncpg.PostgresError):
        return f"{where}: {exc}"
    return f"{where}: {type(exc).__name__}: {exc}"


async def connect(config: PostgresConfig, application_name: str) -> Any:
    """An asyncpg connection named in pg_stat_activity, with the console's statement timeout;
    keyword DSNs (`host=... password=...`) work as in libpq."""
    import asyncpg

    return await asyncpg.connect(
        read_dsn(config.dsn).url if config.dsn else None,
        timeout=config.connect_timeout_seconds,
        server_settings={
            "application_name": application_name,
            "statement_timeout": str(config.statement_timeout_ms),
        },
    )


def where(config: PostgresConfig) -> str:
    """The DSN with its password replaced by ***: a log or an audit record may keep it."""
    dsn = config.dsn
    return redact(dsn, secrets_of(dsn)) if dsn else "PostgreSQL (libpq environment)"


class PostgresSource:
    name = "postgres"

    def __init__(self, config: PostgresConfig) -> None:
        self.config = config
        self._conn: Any = None  # asyncpg.Connection; the module is imported lazily
        self._refreshes = 0
        self._has_statements: bool | None = None
        self._statements: tuple[StatementStat, ...] | None = None
        self._statements_note: str | None = None

    @property
    def where(self) -> str:
        return where(self.config)

    def _error(self, exc: BaseException) -> str:
        return describe_error(exc, self.where, secrets_of(self.config.dsn))

    async def _probe_connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect(self.config, "oc-console")
            self._has_statements = None
        return self._conn

    async def fetch(self) -> PoolSnapshot:
        timeout = self.config.statement_timeout_ms / 1000 + self.config.connect_timeout_seconds
        try:
            return await asyncio.wait_for(self._fetch(), timeout)
        except SourceError:
            raise
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                await self._drop()  # cut mid-query (a deadline): the connection is unusable
                raise
            await self._drop()
            raise SourceError(self._error(exc)) from None

    async def _fetch(self) -> PoolSnapshot:
        conn = await self._probe_connection()
        raw = await conn.fetchval(sql.PROBE)
        fields = parse_probe(orjson.loads(raw))
        if self._refreshes % self.config.statements_every == 0:
            await self._read_statements(conn)
        self._refreshes += 1
        return PoolSnapshot(
            **fields,
            statements=self._statements,
            statements_note=self._statements_note,
        )

    async def _read_statements(self, conn: Any) -> None:
        import asyncpg

        if self._has_statements is None:
            self._has_statements = bool(await conn.fetchval(sql.HAS_STATEMENTS))
        if not self._has_statements:
            self._statements = None
            self._statements_note = "pg_stat_statements is not installed in this database"
            return
        try:
            rows = await conn.fetch(sql.STATEMENTS)
        except asyncpg.PostgresError as exc:
            self._statements = None
            self._statements_note = f"pg_stat_statements unreadable: {self._error(exc)}"
            return
        self._statements_note = None
        self._statements = tuple(
            StatementStat(
                queryid=r["queryid"],
                query=r["query"] or "",
                calls=int(r["calls"]),
                total_ms=float(r["total_ms"]),
                mean_ms=float(r["mean_ms"]),
                rows=int(r["rows"]),
            )
            for r in rows
        )

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        await self._drop()
