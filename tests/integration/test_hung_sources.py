"""No source freezes another: a Prometheus that drips a byte at a time, a PostgreSQL and an API
server that accept and never answer. The other sources keep updating, the hung one is marked
at its deadline, and `check` answers within its own (the real command, in a subprocess)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from oc_console.config_loading import load_config
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.kube import KubeSandbox
from oc_console.services.console import Console
from tests.hang_servers import DripServer, SilentListener

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]


def hung_kubeconfig(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "hung-kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "hung", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "hung", "context": {"cluster": "hung", "user": "u"}}],
                "current-context": "hung",
            }
        )
    )
    return path


class Watcher:
    """When each source answered, as the facade tells its subscribers."""

    def __init__(self, console: Console) -> None:
        self.start = time.monotonic()
        self.times: dict[str, list[float]] = {}
        console.subscribe(self.answered)

    def answered(self, name: str) -> None:
        self.times.setdefault(name, []).append(time.monotonic() - self.start)

    def count(self, name: str) -> int:
        return len(self.times.get(name, ()))


async def run_for(console: Console, seconds: float) -> Watcher:
    watcher = Watcher(console)
    console.start(interval=0.2)
    try:
        await asyncio.sleep(seconds)
    finally:
        await console.close()
    return watcher


async def test_dripping_prometheus_does_not_hold_postgres(sandbox_db: SandboxDatabase) -> None:
    with DripServer(interval=0.3) as drip:
        flags = {"postgres.dsn": sandbox_db.dsn, "prometheus.url": drip.url}
        config = load_config(None, flags, environ={})
        config = config.model_copy(
            update={"prometheus": config.prometheus.model_copy(update={"timeout_seconds": 1.0})}
        ).with_environ({})
        console = Console(config)
        watcher = await run_for(console, 3.5)
    assert drip.accepted >= 1
    # postgres answered from the start and kept answering while Prometheus dripped
    assert watcher.count("postgres") >= 1 and watcher.times["postgres"][0] < 1.5
    prom = console.prometheus.health()
    assert prom.error == "no answer within 2s; still trying", prom
    assert not prom.ok and watcher.count("prometheus") >= 1


async def test_silent_postgres_does_not_hold_kubernetes(kube_sandbox: KubeSandbox) -> None:
    with SilentListener() as silent:
        flags = {
            "postgres.dsn": f"postgresql://u:p@127.0.0.1:{silent.port}/db",
            "kubernetes.kubeconfig": str(kube_sandbox.kubeconfig_path),
        }
        config = load_config(None, flags, environ={})
        # PostgreSQL hangs for 2.5 s: long enough that a cluster held behind it would show
        # late, even on a loaded machine where the first list takes over a second
        pg = config.postgres.model_copy(
            update={"connect_timeout_seconds": 2.5, "statement_timeout_ms": 500}
        )
        console = Console(config.model_copy(update={"postgres": pg}).with_environ({}))
        watcher = await run_for(console, 4.0)
    assert silent.accepted >= 1
    assert console.kube.value is not None and console.kube.health().ok
    first_kube = watcher.times["kubernetes"][0]
    first_pg = watcher.times["postgres"][0]
    assert first_kube < first_pg, watcher.times  # the cluster showed while PostgreSQL hung
    assert "no answer within" in (console.postgres.health().error or "")


async def test_silent_api_server_does_not_hold_postgres(
    sandbox_db: SandboxDatabase, tmp_path: Path
) -> None:
    with SilentListener() as silent:
        flags = {
            "postgres.dsn": sandbox_db.dsn,
            "kubernetes.kubeconfig": str(hung_kubeconfig(tmp_path, silent.port)),
        }
        config = load_config(None, flags, environ={})
        kube = config.kubernetes.model_copy(update={"timeout_seconds": 1.0})
        console = Console(config.model_copy(update={"kubernetes": kube}).with_environ({}))
        watcher = await run_for(console, 3.0)
    assert silent.accepted >= 1
    assert watcher.times["postgres"][0] < 1.5  # not after the API server's timeout
    assert console.postgres.health().ok
    kube_health = console.kube.health()
    assert not kube_health.ok and kube_health.error, kube_health


def check(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [*CLI, "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", **env},
    )
    return done, time.monotonic() - started


# Python's start and the clients' imports come on top of the deadline.
STARTUP_ALLOWANCE = 3.0


def test_check_returns_within_its_deadline_when_prometheus_drips(
    sandbox_db: SandboxDatabase,
) -> None:
    with DripServer(interval=0.3) as drip:
        done, took = check(
            "--timeout", "3", "--pg-dsn", sandbox_db.dsn, "--prometheus", drip.url, env={}
        )
    assert took < 3 + STARTUP_ALLOWANCE, (took, done.stdout, done.stderr)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "not read: prometheus" in done.stdout
    assert "not read within the 3s deadline" in done.stdout


def test_check_returns_within_its_deadline_when_postgres_is_silent(
    kube_sandbox: KubeSandbox,
) -> None:
    with SilentListener() as silent:
        done, took = check(
            "--timeout", "3",
            "--pg-dsn", f"postgresql://u:p@127.0.0.1:{silent.port}/db",
            "--kubeconfig", str(kube_sandbox.kubeconfig_path),
            env={},
        )  # fmt: skip
    assert took < 3 + STARTUP_ALLOWANCE, (took, done.stdout, done.stderr)
    assert done.returncode in (2, 3), done.stdout + done.stderr  # critical findings may win
    assert "not read: postgres" in done.stdout
    assert "adapters: " in done.stdout  # the cluster was read meanwhile


def test_check_returns_within_its_deadline_when_the_api_server_is_silent(
    sandbox_db: SandboxDatabase, tmp_path: Path
) -> None:
    with SilentListener() as silent:
        kubeconfig = hung_kubeconfig(tmp_path, silent.port)
        done, took = check(
            "--timeout", "3", "--pg-dsn", sandbox_db.dsn, "--kubeconfig", str(kubeconfig),
            env={},
        )  # fmt: skip
    assert took < 3 + STARTUP_ALLOWANCE, (took, done.stdout, done.stderr)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "not read: kubernetes" in done.stdout
    assert "database: " in done.stdout  # PostgreSQL was read meanwhile
