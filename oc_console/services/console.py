"""The service facade: the one object the screens and the CLI talk to.

It owns a poller per source, turns their latest values into a ConsoleSnapshot with findings,
and carries the source capabilities (cancel/terminate a backend) so screens never touch a client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from oc_console.analysis.database import PoolThresholds, pool_findings
from oc_console.config import Config
from oc_console.domain.database import PoolSnapshot
from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog
from oc_console.services.poller import Poller, utc_now
from oc_console.sources import postgres_sql

Subscriber = Callable[[ConsoleSnapshot], None]


def _postgres_source(config: Config) -> Any:
    if not config.postgres_configured:
        return None
    from oc_console.sources.postgres import PostgresSource

    return PostgresSource(config.postgres)


class Console:
    def __init__(
        self, config: Config, *, context_label: str | None = None, audit: AuditLog | None = None
    ) -> None:
        self.config = config
        self.audit = audit or AuditLog()
        self.context_label = context_label or config.kubernetes.context or "-"
        self.postgres: Poller[PoolSnapshot] = Poller(_postgres_source(config), "postgres")
        self.pollers: tuple[Poller[Any], ...] = (
            self.postgres,
            Poller(None, "kubernetes"),
            Poller(None, "prometheus"),
            Poller(None, "traces"),
        )
        self._subscribers: list[Subscriber] = []

    @property
    def thresholds(self) -> PoolThresholds:
        pg = self.config.postgres
        return PoolThresholds(
            idle_in_transaction_count=pg.idle_in_transaction_threshold,
            idle_in_transaction_minutes=pg.idle_in_transaction_max_minutes,
        )

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    async def refresh(self, *, force: bool = False) -> ConsoleSnapshot:
        """Tick every poller at once (each skips itself while its last tick still runs)."""
        await asyncio.gather(*(p.tick(force=force) for p in self.pollers))
        snap = self.snapshot()
        for callback in self._subscribers:
            callback(snap)
        return snap

    def snapshot(self) -> ConsoleSnapshot:
        findings: list[Finding] = []
        if self.postgres.value is not None:
            findings += pool_findings(self.postgres.value, self.thresholds)
        return ConsoleSnapshot(
            generated_at=utc_now(),
            context=self.context_label,
            namespaces=self.config.kubernetes.namespaces,
            read_only=self.config.read_only,
            sources=tuple(p.health() for p in self.pollers),
            database=self.postgres.value,
            findings=tuple(findings),
        )

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.pollers), return_exceptions=True)

    # --- capabilities the UI reaches through the facade ---
    def _pg(self) -> Any:
        if self.postgres.source is None:
            raise SourceError("PostgreSQL is not configured")
        if self.config.read_only:
            raise SourceError("read-only mode: backends cannot be cancelled or terminated")
        return self.postgres.source

    async def cancel_backend(self, pid: int) -> bool:
        return await self._signal_backend("cancel-backend", postgres_sql.CANCEL, pid)

    async def terminate_backend(self, pid: int) -> bool:
        return await self._signal_backend("terminate-backend", postgres_sql.TERMINATE, pid)

    async def _signal_backend(self, action: str, statement: str, pid: int) -> bool:
        source = self._pg()
        async with self.audit.action(
            action,
            context=self.context_label,
            target=f"{source.where} pid {pid}",
            params={"pid": pid},
            preview=statement.replace("$1::int", str(pid)),
        ) as outcome:
            sent: bool = await source.signal_backend(statement, pid)
            outcome["result"] = "signalled" if sent else "no such backend"
        return sent
