"""The sandbox's database: a real PostgreSQL with the OpenClaw schema and the sessions of the
`pool` and `hostile` scenarios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from oc_console.errors import UserError
from oc_console.sandbox import openclaw_db as db
from oc_console.sandbox.postgres import EmbeddedPostgres
from oc_console.sandbox.watchdog import GUARD

POOL_IDLE_SESSIONS = 120


class SandboxDatabase:
    def __init__(
        self,
        workdir: Path,
        *,
        pool_scenario: bool,
        hostile: bool = False,
        max_connections: int = 150,
    ) -> None:
        self.pg = EmbeddedPostgres(workdir, max_connections=max_connections)
        self.pool_scenario = pool_scenario
        self.hostile = hostile
        self._load: subprocess.Popen[str] | None = None

    @property
    def dsn(self) -> str:
        """What the console uses: a pg_monitor role, not a superuser."""
        return self.pg.dsn_for(db.MONITOR_ROLE, db.MONITOR_PASSWORD, db.DATABASE)

    @property
    def adapter_dsn(self) -> str:
        return self.pg.dsn_for(db.ADAPTER_ROLE, db.ADAPTER_PASSWORD, db.DATABASE)

    def start(self) -> SandboxDatabase:
        self.pg.start()
        self.pg.psql(db.ROLES)
        self.pg.psql(db.SCHEMA, database=db.DATABASE)
        if self.pool_scenario or self.hostile:
            self.start_pool_load(
                POOL_IDLE_SESSIONS if self.pool_scenario else 0,
                chain=self.pool_scenario,
                hostile=self.hostile,
            )
        return self

    def start_pool_load(
        self, idle: int = POOL_IDLE_SESSIONS, *, chain: bool = True, hostile: bool = False
    ) -> None:
        flags = [*([] if chain else ["--no-chain"]), *(["--hostile"] if hostile else [])]
        self._load = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oc_console.sandbox.pool_load",
                self.adapter_dsn,
                str(idle),
                *flags,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        GUARD.watch(self._load.pid)
        assert self._load.stdout is not None
        line = self._load.stdout.readline().strip()
        if line != "ready":
            err = self._load.stderr.read() if self._load.stderr else ""
            self.stop_pool_load()
            raise UserError(f"sandbox sessions failed to start: {err.strip()[-300:]}")

    def stop_pool_load(self) -> None:
        if self._load is not None:
            self._load.terminate()
            try:
                self._load.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._load.kill()
                self._load.wait()
            GUARD.forget(self._load.pid)
            self._load = None

    def stop(self) -> None:
        self.stop_pool_load()
        self.pg.stop()
