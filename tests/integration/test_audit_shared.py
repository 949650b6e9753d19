"""The shared audit on a real PostgreSQL: two consoles as different users see each other's
records, an outage during an action loses nothing and sends each record once, and the role
consoles write with may insert and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from action_fixtures import records, sandbox_config
from kube_fixtures import reset_faults

from oc_console.runbook.audit import AuditLog, now_iso
from oc_console.runbook.audit_shared import TABLE, SharedAuditError, migrate, read_shared
from oc_console.runbook.engine import Plan
from oc_console.sandbox.postgres import EmbeddedPostgres
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration

# The README's GRANTs, for a writer that may only append, and people who also read
WRITER = """
CREATE ROLE oc_console_audit_writer LOGIN PASSWORD 'w-secret';
GRANT USAGE ON SCHEMA public TO oc_console_audit_writer;
GRANT INSERT ON oc_console_audit TO oc_console_audit_writer;
"""
ONCALL = """
CREATE ROLE {role} LOGIN PASSWORD 'p-{role}';
GRANT USAGE ON SCHEMA public TO {role};
GRANT INSERT, SELECT ON oc_console_audit TO {role};
"""


@pytest.fixture(scope="module")
def audit_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(Path(tmp_path_factory.mktemp("audit-pg"))).start()
    try:
        import asyncio

        asyncio.run(migrate(pg.dsn))
        asyncio.run(migrate(pg.dsn))  # `audit init` twice is harmless
        pg.psql(WRITER + ONCALL.format(role="alice") + ONCALL.format(role="bob"))
        yield pg
    finally:
        pg.stop()


def dsn_of(pg: EmbeddedPostgres, role: str) -> str:
    password = "w-secret" if role == "oc_console_audit_writer" else f"p-{role}"
    return pg.dsn_for(role, password, "postgres")


def record(user: str, action_id: str, phase: str) -> dict[str, Any]:
    return {"id": action_id, "user": user, "host": f"{user}-laptop", "context": "prod",
            "action": "restart", "phase": phase, "at": now_iso(),
            "target": {"kind": "deployment", "name": "openclaw-adapter-amazon",
                       "namespace": "openclaw"}}  # fmt: skip


async def rows_of(pg: EmbeddedPostgres, action_id: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(pg.dsn)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(
            f"SELECT record_id, phase FROM {TABLE} WHERE action_id = $1 ORDER BY at", action_id
        )
        return rows
    finally:
        await conn.close()


async def test_two_consoles_as_different_users_see_each_others_records(
    audit_pg: EmbeddedPostgres, tmp_path: Path
) -> None:
    alice = AuditLog(tmp_path / "alice" / "audit.jsonl", shared_dsn=dsn_of(audit_pg, "alice"))
    bob = AuditLog(tmp_path / "bob" / "audit.jsonl", shared_dsn=dsn_of(audit_pg, "bob"))
    await alice.write(record("alice", "a1", "start"))
    await alice.write(record("alice", "a1", "end"))
    await bob.write(record("bob", "b1", "start"))
    await alice.close()
    await bob.close()
    seen_by_bob = await read_shared(dsn_of(audit_pg, "bob"))
    seen_by_alice = await read_shared(dsn_of(audit_pg, "alice"))
    assert [(r["user"], r["id"], r["phase"]) for r in seen_by_bob[:3]] == [
        ("bob", "b1", "start"), ("alice", "a1", "end"), ("alice", "a1", "start")
    ]  # fmt: skip
    assert seen_by_alice[:3] == seen_by_bob[:3]
    # the table holds the local lines themselves, each with its own id
    assert {r["record_id"] for r in records(alice.path)} <= {r["record_id"] for r in seen_by_bob}


async def test_the_insert_only_role_writes_but_cannot_read_or_change(
    audit_pg: EmbeddedPostgres, tmp_path: Path
) -> None:
    writer = dsn_of(audit_pg, "oc_console_audit_writer")
    log = AuditLog(tmp_path / "audit.jsonl", shared_dsn=writer)
    await log.write(record("carol", "w1", "start"))
    await log.close()
    assert [r["phase"] for r in await rows_of(audit_pg, "w1")] == ["start"]
    with pytest.raises(SharedAuditError, match="permission denied") as err:
        await read_shared(writer)
    assert "w-secret" not in str(err.value)
    conn = await asyncpg.connect(writer)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"UPDATE {TABLE} SET outcome = 'ok'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f"DELETE FROM {TABLE}")
    finally:
        await conn.close()


async def test_an_outage_during_an_action_loses_no_record_and_sends_each_once(
    audit_pg: EmbeddedPostgres, action_sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, shared_dsn=dsn_of(audit_pg, "alice"))
    console = Console(sandbox_config(action_sandbox), audit=log)
    try:
        plan = await console.prepare_action("restart", {"deployment": "openclaw-adapter-amazon"})
        assert isinstance(plan, Plan), plan
        audit_pg.halt()  # the database goes away before the action starts
        try:
            result = await console.run_action(plan, confirmed=True)
            assert result.status == "done", result.message  # the outage never fails it
            assert log.shared is not None
            with pytest.raises(SharedAuditError, match="cannot connect"):
                await log.shared.flush()
        finally:
            audit_pg.launch()
        local = records(path)
        action_id = local[0]["id"]
        assert [r["phase"] for r in local] == ["start", "end"]
        await log.close()  # after the outage: sent, in order
        rows = await rows_of(audit_pg, action_id)
        assert [r["phase"] for r in rows] == ["start", "end"]
        assert [r["record_id"] for r in rows] == [r["record_id"] for r in local]
        # a lost cursor (or two senders) sends nothing twice
        log.shared.cursor.set(0)
        await log.shared.flush()
        assert len(await rows_of(audit_pg, action_id)) == 2
    finally:
        await console.close()
        reset_faults(action_sandbox.kube)


def cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(state), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "oc_console.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)  # fmt: skip


def test_audit_init_and_audit_shared_on_the_command_line(
    audit_pg: EmbeddedPostgres, tmp_path: Path
) -> None:
    dsn = dsn_of(audit_pg, "bob")
    init = cli(tmp_path, "audit", "init", "--audit-dsn", audit_pg.dsn)
    assert init.returncode == 0 and "oc_console_audit is ready" in init.stdout, init.stderr
    # a record only on this machine's disk: `--shared` sends it first, then reads the table
    AuditLog(tmp_path / "oc-console" / "audit.jsonl").append(record("dave", "d1", "start"))
    other = record("erin", "e1", "start")
    other["target"]["name"] = "openclaw-adapter-shopee"
    AuditLog(tmp_path / "erin.jsonl").append(other)
    import asyncio

    erin = AuditLog(tmp_path / "erin.jsonl", shared_dsn=dsn)
    assert erin.shared is not None
    asyncio.run(erin.shared.flush())
    shown = cli(tmp_path, "audit", "--shared", "--json", "--audit-dsn", dsn,
                "--target", "deployment/openclaw-adapter-shopee")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert [(r["user"], r["id"]) for r in json.loads(shown.stdout)["records"]] == [("erin", "e1")]
    mine = cli(tmp_path, "audit", "--shared", "--since", "1h", "--audit-dsn", dsn)
    assert "dave" in mine.stdout and "erin" in mine.stdout
    local = cli(tmp_path, "audit", "--json", "--target", "openclaw/openclaw-adapter-amazon")
    assert [r["id"] for r in json.loads(local.stdout)["records"]] == ["d1"]
    bad = cli(tmp_path, "audit", "--shared", "--audit-dsn", dsn.replace("p-bob", "wrong"))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "wrong" not in bad.stderr and "cannot connect" in bad.stderr
    none = cli(tmp_path, "audit", "--shared")
    assert none.returncode != 0 and "--audit-dsn" in none.stderr
