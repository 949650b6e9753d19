"""PostgreSQL for actions: a short-lived connection per call, apart from the probe's, named so
it shows as `oc-console-action` in pg_stat_activity. Errors name the server, never a password."""

from __future__ import annotations

from typing import Any

from oc_console.config import PostgresConfig
from oc_console.redact import secrets_of
from oc_console.runbook.actions.base import ActionFailed
from oc_console.sources.postgres import connect, describe_error, where

APPLICATION_NAME = "oc-console-action"


class PgAccess:
    def __init__(self, config: PostgresConfig) -> None:
        self.config = config
        self.where = where(config)

    def _error(self, exc: Exception) -> ActionFailed:
        return ActionFailed(describe_error(exc, self.where, secrets_of(self.config.dsn)))

    async def fetch(self, statement: str, *args: Any) -> list[Any]:
        try:
            conn = await connect(self.config, APPLICATION_NAME)
        except Exception as exc:
            raise self._error(exc) from None
        try:
            return list(await conn.fetch(statement, *args))
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            await conn.close()

    async def fetchrow(self, statement: str, *args: Any) -> Any:
        rows = await self.fetch(statement, *args)
        return rows[0] if rows else None
