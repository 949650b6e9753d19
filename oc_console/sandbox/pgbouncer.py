"""A real PgBouncer in front of the sandbox's PostgreSQL, and Debian's
prometheus-pgbouncer-exporter reading its admin console for Prometheus to scrape.

Both are Debian packages (`apt-get install pgbouncer prometheus-pgbouncer-exporter`); when
either binary is missing, `missing()` says so in one line and nothing starts. PgBouncer runs in
session mode with a small `default_pool_size`, so a handful of clients exhausts it long before
PostgreSQL's max_connections.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from oc_console.sandbox.postgres import SANDBOX_USER
from oc_console.sandbox.watchdog import GUARD

# Debian installs pgbouncer in /usr/sbin, off an ordinary user's PATH.
_SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
INSTALL = "apt-get install pgbouncer prometheus-pgbouncer-exporter"
ADMIN_USER = "pgbouncer"  # the exporter's login to the admin console (stats_users)
READY_SECONDS = 15.0
# Debian 12's exporter (1.7) reads `total_requests` from SHOW STATS, which PgBouncer 1.8 dropped:
# its command crashes at start against Debian's own PgBouncer 1.18. Its pool, database and
# list collectors still match PgBouncer's columns; this serves those, from the same package.
_COLLECTORS_ONLY = """
import sys
from http.server import HTTPServer
from prometheus_client.core import REGISTRY
from prometheus_pgbouncer_exporter.collectors import (
    DatabasesCollector, ListsCollector, PoolsCollector)
from prometheus_pgbouncer_exporter.exposition import create_request_handler
from prometheus_pgbouncer_exporter.utils import get_connection
port, bouncer_port, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = get_connection(user, bouncer_port, "127.0.0.1")
REGISTRY.register(PoolsCollector(connection=conn, databases=None))
REGISTRY.register(DatabasesCollector(connection=conn, databases=None))
REGISTRY.register(ListsCollector(connection=conn))
HTTPServer(("127.0.0.1", port), create_request_handler("")).serve_forever()
"""


def binaries() -> tuple[str, str] | None:
    pgbouncer = shutil.which("pgbouncer", path=_SEARCH)
    exporter = shutil.which("prometheus-pgbouncer-exporter", path=_SEARCH)
    return (pgbouncer, exporter) if pgbouncer and exporter else None


def missing() -> str | None:
    """One line when the binaries are not installed, else None."""
    if binaries() is not None:
        return None
    return f"no pgbouncer / prometheus-pgbouncer-exporter on PATH ({INSTALL})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _interpreter(script: str) -> str:
    """The Python a packaged script runs under (its `#!` line): the one with its modules."""
    with open(script, "rb") as f:
        first = f.readline().decode(errors="replace")
    return first[2:].strip().split()[0] if first.startswith("#!") else "python3"


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class PgBouncer:
    """`database` on PostgreSQL at 127.0.0.1:`pg_port`, pooled as `user`."""

    def __init__(
        self,
        workdir: Path,
        *,
        pg_port: int,
        database: str,
        user: str,
        password: str,
        pool_size: int = 2,
    ) -> None:
        self.workdir = Path(workdir)
        self.database, self.user, self._password = database, user, password
        self._pg_port = pg_port
        self.pool_size = pool_size
        self.port = _free_port()
        self.exporter_port = _free_port()
        self._procs: list[subprocess.Popen[bytes]] = []
        self.exporter_note: str | None = None  # how the exporter was run, when not as packaged

    @property
    def dsn(self) -> str:
        """Clients log in without a password (trust, loopback only); PgBouncer logs in to
        PostgreSQL with the role's password."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def exporter_address(self) -> str:
        return f"127.0.0.1:{self.exporter_port}"

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        users = self.workdir / "userlist.txt"
        # trust still needs each user named in auth_file
        users.write_text("".join(f'{_quoted(u)} ""\n' for u in (self.user, ADMIN_USER)))
        ini = self.workdir / "pgbouncer.ini"
        ini.write_text(
            f"""[databases]
{self.database} = host=127.0.0.1 port={self._pg_port} dbname={self.database} \
user={self.user} password={self._password}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
stats_users = {ADMIN_USER}
pool_mode = session
default_pool_size = {self.pool_size}
reserve_pool_size = 0
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
""",
            encoding="utf-8",
        )
        for path in (users, ini):
            path.chmod(0o644)
        return ini

    def _spawn(self, argv: list[str], log_name: str) -> None:
        with (self.workdir / log_name).open("ab") as log:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        GUARD.watch(proc.pid)
        self._procs.append(proc)

    def start(self) -> PgBouncer:
        found = binaries()
        if found is None:
            raise RuntimeError(missing())
        pgbouncer, exporter = found
        ini = self._write_config()
        # PgBouncer refuses to run as root: drop to the user the sandbox's PostgreSQL runs as
        as_user = ["-u", SANDBOX_USER] if os.geteuid() == 0 else []
        self._spawn([pgbouncer, *as_user, str(ini)], "pgbouncer.log")
        try:
            self._wait(self._accepts, "pgbouncer", "pgbouncer.log")
            self._start_exporter(exporter)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_exporter(self, exporter: str) -> None:
        self._spawn(
            [exporter, "--host", "127.0.0.1", "--port", str(self.exporter_port),
             "--pgbouncer-host", "127.0.0.1", "--pgbouncer-port", str(self.port),
             "--pgbouncer-user", ADMIN_USER],
            "exporter.log",
        )  # fmt: skip
        try:
            self._wait(self._exports, "prometheus-pgbouncer-exporter", "exporter.log")
            return
        except RuntimeError:
            log = (self.workdir / "exporter.log").read_text(errors="replace")
            if "KeyError: 'total_requests'" not in log:
                raise
        self._procs.pop().wait()
        python = _interpreter(exporter)
        self._spawn(
            [python, "-c", _COLLECTORS_ONLY, str(self.exporter_port), str(self.port), ADMIN_USER],
            "exporter.log",
        )
        self._wait(self._exports, "prometheus-pgbouncer-exporter's collectors", "exporter.log")
        self.exporter_note = (
            "prometheus-pgbouncer-exporter crashed on SHOW STATS (total_requests, gone since "
            "PgBouncer 1.8): its pool, database and list collectors serve instead"
        )

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _exports(self) -> bool:
        url = f"http://{self.exporter_address}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return b"pgbouncer_" in response.read()
        except (urllib.error.URLError, OSError):
            return False

    def _wait(self, ready: Callable[[], bool], what: str, log_name: str) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self._procs):
                raise RuntimeError(f"{what} exited; see {self.workdir / log_name}")
            if ready():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{what} not ready within {READY_SECONDS:.0f}s")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            GUARD.forget(proc.pid)
        self._procs.clear()
