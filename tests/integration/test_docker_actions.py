"""Actions on a VM against a real dockerd: `runbook run adapter-oomkilled --docker ... --yes`
restarts every container of the compose service through the engine (preview naming them,
the lock file beside the audit log, audit start and end, verified running), a lock held by
another console refuses it with the holder's name, and a container that fails again after
the restart fails the verification."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from docker_fixtures import Engine as Dockerd

from oc_console.config_loading import load_config
from oc_console.runbook.actions.registry import make_action
from oc_console.runbook.audit import AuditLog
from oc_console.runbook.engine import Engine
from oc_console.runbook.env import open_env
from oc_console.runbook.lease import lease_name
from oc_console.runbook.lockfile import LockFileGuard
from oc_console.sandbox.database import SandboxDatabase
from tests.integration.conftest import Sessions

pytestmark = pytest.mark.integration
MiB = 2**20
PROJECT, SERVICE = "openclaw", "openclaw-adapter-walmart"
# killed for memory on its first run; after a restart (the same container, the same /tmp)
# it runs quietly, and a stop ends it at once
ONCE_OOM = (
    'trap "exit 0" TERM; if [ ! -e /tmp/ran ]; then echo > /tmp/ran; x=a; '
    "while :; do x=$x$x; done; fi; while :; do sleep 1; done"
)
QUIET = 'trap "exit 0" TERM; while :; do sleep 1; done'


@pytest.fixture
def service(docker_engine: Dockerd) -> Iterator[list[str]]:
    labels = {"com.docker.compose.project": PROJECT, "com.docker.compose.service": SERVICE}
    ids = [
        docker_engine.run("walmart-1", ONCE_OOM, memory=32 * MiB, labels=labels),
        docker_engine.run("walmart-2", QUIET, memory=32 * MiB, labels=labels),
    ]
    docker_engine.wait_for(ids[0], lambda o: o["State"]["Status"] == "exited")
    assert docker_engine.inspect(ids[0])["State"]["OOMKilled"] is True
    yield ids
    for cid in ids:
        docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "KUBE", "PG", "DOCKER"))}
    env["HOME"] = str(tmp_path)  # no ~/.kube/config: the Docker Engine is the fleet
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["COLUMNS"] = "400"  # whole lines to compare
    return env


def _oc(engine: Dockerd, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oc_console.cli", *args, "--docker", engine.url],
        capture_output=True, text=True, env=_env(tmp_path), timeout=180,
    )  # fmt: skip


def _audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "oc-console" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _started(engine: Dockerd, ids: list[str]) -> list[str]:
    return [engine.inspect(cid)["State"]["StartedAt"] for cid in ids]


RUN = ("runbook", "run", "adapter-oomkilled", "--param", f"deployment={SERVICE}", "--yes")


def test_runbook_restarts_the_compose_service_audited_and_verified(
    docker_engine: Dockerd,
    service: list[str],
    tmp_path: Path,
) -> None:
    before = _started(docker_engine, service)
    done = _oc(docker_engine, tmp_path, *RUN)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # the preview names the containers, the confirmation the service and its compose project
    assert "restart the 2 container(s) of service openclaw/openclaw-adapter-walmart" in out
    assert "walmart-1, walmart-2" in out
    assert f"restart service {SERVICE} in compose project {PROJECT}" in out
    said = out[out.index("restart the 2") :]  # what the console says (the note is the runbook's)
    assert "deployment" not in said.lower() and "pod" not in said.lower()
    for cid, was in zip(service, before, strict=True):
        obj = docker_engine.inspect(cid)
        assert obj["State"]["Running"] and obj["State"]["StartedAt"] != was
    start, end = [r for r in _audit(tmp_path) if r["action"] == "restart"]
    assert (start["phase"], end["phase"], end["outcome"]) == ("start", "end", "ok")
    assert start["target"] == {"kind": "service", "name": SERVICE, "namespace": PROJECT,
                               "containers": "walmart-1,walmart-2"}  # fmt: skip
    assert start["context"] == f"docker {docker_engine.url}"
    assert "2 of 2 containers of openclaw/openclaw-adapter-walmart running" in end["verification"]
    assert "up 10s without a restart" in end["verification"]
    assert "service openclaw/openclaw-adapter-walmart: 2 of 2 containers running" in out  # wait
    # the lock was given back: another console takes it at once
    guard = _guard(tmp_path, "bob@bastion pid 1/abc")
    assert guard.acquire() is None
    guard.release()


def _guard(tmp_path: Path, who: str) -> LockFileGuard:
    locks = tmp_path / "state" / "oc-console" / "locks"
    return LockFileGuard(locks, PROJECT, lease_name("service", SERVICE), who)


def test_a_second_lock_holder_is_refused_with_its_name(
    docker_engine: Dockerd,
    service: list[str],
    tmp_path: Path,
) -> None:
    before = _started(docker_engine, service)
    guard = _guard(tmp_path, "bob@bastion pid 4242/9f9f9f")
    assert guard.acquire() is None  # held by this test process while the console runs
    try:
        done = _oc(docker_engine, tmp_path, *RUN)
    finally:
        guard.release()
    assert done.returncode == 1
    assert "held by bob@bastion pid 4242/9f9f9f" in done.stdout
    assert _started(docker_engine, service) == before  # nothing restarted
    (refused,) = [r for r in _audit(tmp_path) if r["action"] == "restart"]
    assert (refused["phase"], refused["reason"]) == ("refused", "lease")


def test_webhook_runbook_reads_the_secret_from_the_service_environment(
    docker_engine: Dockerd,
    tmp_path: Path,
) -> None:
    """A key encoded once too often stops the walk at the manual fix; once fixed (the
    containers recreated with the key itself) the same runbook restarts the service."""
    key = "whsec_0123456789abcdef"  # what the adapter must read; encoded, it signs wrongly
    labels = {"com.docker.compose.project": PROJECT,
              "com.docker.compose.service": "openclaw-adapter-tiktok"}  # fmt: skip
    run = ("runbook", "run", "webhook-signature-mismatch", "--yes", "--param",
           "deployment=openclaw-adapter-tiktok", "--param", "quiet_seconds=3")  # fmt: skip
    outs = []
    encoded = base64.b64encode(key.encode()).decode()
    for value in (encoded, key):
        cid = docker_engine.run("tiktok-1", QUIET, memory=32 * MiB, labels=labels,
                                env=[f"TIKTOK_WEBHOOK_SECRET={value}"])  # fmt: skip
        try:
            before = _started(docker_engine, [cid])
            outs.append(
                (_oc(docker_engine, tmp_path, *run), before != _started(docker_engine, [cid]))
            )
        finally:
            docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
    (twice, restarted_twice), (once, restarted_once) = outs
    assert twice.returncode == 1 and not restarted_twice
    assert "TIKTOK_WEBHOOK_SECRET in the environment of openclaw/openclaw-adapter-tiktok is " \
           "base64-encoded twice" in twice.stdout  # fmt: skip
    for secret in (key, encoded):  # fingerprints only
        assert secret not in twice.stdout and secret not in once.stdout
    assert once.returncode == 0 and restarted_once, once.stdout + once.stderr
    assert "is encoded once" in once.stdout


async def test_pool_runbook_terminates_the_leak_and_restarts_its_compose_service(
    docker_engine: Dockerd,
    sandbox_db: SandboxDatabase,
    sessions: Sessions,
    tmp_path: Path,
) -> None:
    labels = {"com.docker.compose.project": PROJECT,
              "com.docker.compose.service": "openclaw-adapter-shopee"}  # fmt: skip
    cid = docker_engine.run("shopee-1", QUIET, memory=32 * MiB, labels=labels)
    leaked = await sessions.idle_in_transaction("openclaw-adapter-shopee", 2)
    try:
        before = _started(docker_engine, [cid])
        done = await asyncio.to_thread(
            _oc, docker_engine, tmp_path, "runbook", "run", "pool-exhaustion", "--yes",
            "--param", "application_name=openclaw-adapter-shopee", "--param", "minutes=0",
            "--pg-dsn", sandbox_db.pg.dsn,
        )  # fmt: skip
        after = _started(docker_engine, [cid])
    finally:
        docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 sessions of openclaw-adapter-shopee belong to compose service " \
           "openclaw/openclaw-adapter-shopee" in done.stdout  # fmt: skip
    assert after != before  # the owner restarted
    kinds = [(r["action"], r["phase"], r.get("outcome")) for r in _audit(tmp_path)]
    assert kinds.count(("terminate", "end", "ok")) == 2
    assert ("restart", "end", "ok") in kinds
    conn = await asyncpg.connect(sandbox_db.pg.dsn)
    try:
        alive = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE pid = any($1::int[])",
                                 leaked)  # fmt: skip
    finally:
        await conn.close()
    assert not alive


async def test_a_container_that_fails_again_after_the_restart_fails_verification(
    docker_engine: Dockerd,
    tmp_path: Path,
) -> None:
    labels = {"com.docker.compose.project": PROJECT, "com.docker.compose.service": SERVICE}
    cid = docker_engine.run("walmart-3", "sleep 2; exit 3", memory=32 * MiB, labels=labels,
                            restart="on-failure:50")  # fmt: skip
    config = load_config(None, {"docker.host": docker_engine.url}, _env(tmp_path))
    env = await open_env(config)
    engine = Engine(env, AuditLog(tmp_path / "audit.jsonl"), read_only=False)
    try:
        action = make_action("restart", {"deployment": SERVICE}, PROJECT, on_vm=True)
        result = await engine.act(action, confirmed=True)
    finally:
        docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
    assert result.status == "failed"
    assert "verification failed: walmart-3 restarted again after the restart (exit 3)" in (
        result.message
    )
    end = AuditLog(tmp_path / "audit.jsonl").read().records[-1]
    assert (end["phase"], end["outcome"]) == ("end", "failed")
