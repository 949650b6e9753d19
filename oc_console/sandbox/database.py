"""The sandbox's database: a real PostgreSQL with the OpenClaw schema and the sessions of the
`pool` and `hostile` scenarios."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from oc_console.errors import UserError
from oc_console.sandbox import openclaw_db as db
from oc_console.sandbox import pgbouncer
from oc_console.sandbox.postgres import EmbeddedPostgres
from oc_console.sandbox.watchdog import GUARD

POOL_IDLE_SESSIONS = 120
# Pods' connections come from their IPs; the sandbox's pods that connect live on loopback
# addresses other than 127.0.0.1 (initdb trusts only 127.0.0.1/32 over TCP).
POD_ADDRESSES = "host all all 127.0.0.0/8 scram-sha-256\n"
# The pool scenario's PgBouncer: more clients than its pool, while PostgreSQL has room.
BOUNCER_POOL_SIZE = 2
BOUNCER_CLIENTS = 5


class SandboxDatabase:
    def __init__(
        self,
        workdir: Path,
        *,
        pool_scenario: bool,
        hostile: bool = False,
        max_connections: int = 150,
        bouncer: bool = False,
    ) -> None:
        self.pg = EmbeddedPostgres(workdir, max_connections=max_connections)
        self.pool_scenario = pool_scenario
        self.hostile = hostile
        self._want_bouncer = bouncer
        self.bouncer: pgbouncer.PgBouncer | None = None
        self.note: str | None = None  # one line when the PgBouncer asked for cannot run
        self._load: subprocess.Popen[str] | None = None
        self.order_at = 0.0  # when the failed order's webhook came (unix seconds), once seeded

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
        # the seed's now(), to the psql start's few milliseconds
        self.order_at = time.time() - db.ORDER_AGE_SECONDS
        self.pg.psql(db.SCHEMA, database=db.DATABASE)
        if self.pool_scenario:
            self._allow_pod_addresses()
        if self._want_bouncer:
            self._start_bouncer()
        if self.pool_scenario or self.hostile:
            self.start_pool_load(
                POOL_IDLE_SESSIONS if self.pool_scenario else 0,
                chain=self.pool_scenario,
                hostile=self.hostile,
            )
        return self

    def _start_bouncer(self) -> None:
        missing = pgbouncer.missing()
        if missing is not None:
            self.note = f"sandbox: the pool scenario runs without PgBouncer: {missing}"
            return
        bouncer = pgbouncer.PgBouncer(
            self.pg.workdir / "pgbouncer", pg_port=self.pg.port, database=db.DATABASE,
            user=db.ADAPTER_ROLE, password=db.ADAPTER_PASSWORD, pool_size=BOUNCER_POOL_SIZE,
        )  # fmt: skip
        try:
            self.bouncer = bouncer.start()
        except (OSError, RuntimeError) as exc:
            self.note = f"sandbox: the pool scenario runs without PgBouncer: {exc}"

    def _allow_pod_addresses(self) -> None:
        hba = self.pg.data / "pg_hba.conf"
        if POD_ADDRESSES not in hba.read_text(encoding="utf-8"):
            with hba.open("a", encoding="utf-8") as f:
                f.write(POD_ADDRESSES)
        self.pg.psql("SELECT pg_reload_conf()")

    def start_pool_load(
        self, idle: int = POOL_IDLE_SESSIONS, *, chain: bool = True, hostile: bool = False
    ) -> None:
        flags = [*([] if chain else ["--no-chain"]), *(["--hostile"] if hostile else [])]
        if self.bouncer is not None:
            flags += ["--bouncer", self.bouncer.dsn, "--bouncer-clients", str(BOUNCER_CLIENTS),
                      "--bouncer-pool-size", str(BOUNCER_POOL_SIZE)]  # fmt: skip
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
            reason = line or err.strip()[-300:]  # the load's own one line, else its stderr
            raise UserError(f"sandbox sessions failed to start: {reason}")

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
        if self.bouncer is not None:
            self.bouncer.stop()
            self.bouncer = None
        self.pg.stop()
