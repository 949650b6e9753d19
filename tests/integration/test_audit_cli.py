"""`oc-console audit` and `audit resolve`, the real binary on a real audit file: unfinished
actions shown whatever the window, resolved by hand with a note that is itself audited, and
backend text that never reaches the terminal raw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oc_console.runbook.audit import AuditLog

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]
ID = "5f0c2a9e7b1d4c3e8a6f0b2d4c6e8a0f"
HOSTILE = "amazon\x1b]52;c;cHduZWQ=\x07 red\x9b31m rtl\u202egnp.exe"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def log(state: Path) -> AuditLog:
    return AuditLog(state / "oc-console" / "audit.jsonl")


def run(state: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "XDG_STATE_HOME": str(state), "NO_COLOR": "1"}
    return subprocess.run([*CLI, *args], capture_output=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def started(days_ago: float, **extra: Any) -> dict[str, Any]:
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    return {"id": ID, "phase": "start", "at": at, "user": "ana", "host": "bastion",
            "context": "prod", "action": "restart",
            "target": {"kind": "deployment", "name": "openclaw-adapter-amazon",
                       "namespace": "openclaw"}, **extra}  # fmt: skip


def test_an_old_unfinished_action_is_shown_whatever_since_says(state: Path) -> None:
    log(state).append(started(3))
    shown = run(state, "audit", "--since", "1h")
    assert shown.returncode == 0
    out = shown.stdout.decode()
    assert f"UNFINISHED {ID}: restart deployment/openclaw-adapter-amazon in openclaw" in out
    doc = json.loads(run(state, "audit", "--since", "1h", "--json").stdout)
    assert doc["records"] == [] and [r["id"] for r in doc["unfinished"]] == [ID]


def test_resolve_closes_it_with_a_note_that_is_audited(state: Path) -> None:
    cluster = {"name": "eu-west", "context": "prod", "server": "https://10.0.0.1:6443",
               "production": True}  # fmt: skip
    log(state).append(started(3, cluster=cluster))
    done = run(state, "audit", "resolve", ID[:10], "--note", "rolled out fine, checked by hand")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"resolved {ID}: restart deployment/")
    records = log(state).read().records
    assert [r["phase"] for r in records] == ["start", "resolved"]
    resolved = records[-1]
    assert resolved["id"] == ID and resolved["note"] == "rolled out fine, checked by hand"
    assert resolved["target"]["name"] == "openclaw-adapter-amazon" and resolved["user"]
    assert resolved["cluster"] == cluster  # the record names the target it acted on
    out = run(state, "audit").stdout.decode()
    assert "UNFINISHED" not in out and "resolved" in out and "checked by hand" in out
    again = run(state, "audit", "resolve", ID, "--note", "again")
    assert again.returncode == 2 and again.stdout == b""
    assert again.stderr.decode().count("\n") == 1
    assert f"action {ID} already resolved by " in again.stderr.decode()


def test_resolving_a_finished_or_unknown_action_is_one_line(state: Path) -> None:
    log(state).append(started(0))
    log(state).append({**started(0), "phase": "end", "outcome": "ok"})
    finished = run(state, "audit", "resolve", ID, "--note", "x")
    assert finished.returncode == 2 and finished.stderr.decode().count("\n") == 1
    assert f"action {ID} already ended (ok)" in finished.stderr.decode()
    unknown = run(state, "audit", "resolve", "0123456789ab", "--note", "x")
    assert unknown.returncode == 2
    said = b"oc-console: audit resolve: no action '0123456789ab' in the audit log\n"
    assert unknown.stderr == said
    assert [r["phase"] for r in log(state).read().records] == ["start", "end"]


def test_backend_text_reaches_neither_audit_nor_audit_json_raw(state: Path) -> None:
    log(state).append(started(0, preview=f"replay order ({HOSTILE})",
                              target={"kind": "order", "name": HOSTILE}))  # fmt: skip
    for args in (("audit",), ("audit", "--json")):
        out = run(state, *args).stdout
        for raw in (b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode()):
            assert raw not in out, (args, raw)
        assert b"cHduZWQ=" in out
    doc = json.loads(run(state, "audit", "--json").stdout)
    assert doc["unfinished"][0]["target"]["name"] == HOSTILE  # exact for a JSON reader
