"""PostgreSQL for actions: a short-lived connection per call, apart from the probe's, named so
it shows as `oc-console-action` in pg_stat_activity. Errors name the server, never a password."""

from __future__ import annotations

from typing import Any

from oc_console.config import PostgresConfig
from oc_console.runbook.actions.base import ActionFailed

APPLICATION_NAME = "oc-console-action"


class PgAccess:
    def __init__(self, config: PostgresConfig) -> None:
        from oc_console.sources.postgres import PostgresSource

        self.config = config
        self.where = PostgresSource(config).where

    async def fetch(self, statement: str, *args: Any) -> list[Any]:
        import asyncpg

        from oc_console.sources.postgres import describe_error

        try:
            conn = await asyncpg.connect(
                self.config.dsn,
                timeout=self.config.connect_timeout_seconds,
                server_settings={
                    "application_name": APPLICATION_NAME,
                    "statement_timeout": str(self.config.statement_timeout_ms),
                },
            )
        except Exception as exc:
            raise ActionFailed(describe_error(exc, self.where)) from None
        try:
            return list(await conn.fetch(statement, *args))
        except Exception as exc:
            raise ActionFailed(describe_error(exc, self.where)) from None
        finally:
            await conn.close()

    async def fetchrow(self, statement: str, *args: Any) -> Any:
        rows = await self.fetch(statement, *args)
        return rows[0] if rows else None
