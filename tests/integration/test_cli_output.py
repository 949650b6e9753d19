"""The command line as a kubectl user expects it, from the real binary with stdout a pipe:
plain columns with whole values, `-o wide|json`, `runbook show` with its file whole and its
notes rendered, and --help with the command's own options first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oc_console.runbook.audit import AuditLog

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]
BOX = set("─│┃━┏┓┗┛┡┩╇╈┼├┤┬┴╭╮╰╯═║")
GLOBAL_FLAGS = ("--config", "--kubeconfig", "--context", "--namespace", "--pg-dsn",
                "--prometheus", "--traces", "--traces-kind", "--openclaw-api", "--alertmanager",
                "--read-only")  # fmt: skip


def run(*args: str, state: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    if state is not None:
        env["XDG_STATE_HOME"] = str(state)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def assert_plain(text: str) -> None:
    assert not BOX & set(text), "box drawing"
    assert "…" not in text, "cut with an ellipsis"


def test_runbook_list_piped_is_plain_columns_with_whole_ids() -> None:
    done = run("runbook", "list")
    assert done.returncode == 0, done.stderr
    assert_plain(done.stdout)
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "APPLIES", "TO"]
    by_id = {line.split()[0]: line for line in lines[1:]}
    assert "webhook-signature-mismatch" in by_id  # whole: the id `runbook run` takes
    assert by_id["pool-exhaustion"].endswith(
        "pool-saturation, pool-idle-in-transaction, pool-long-idle-transaction, "
        "pool-blocking-chain")  # fmt: skip
    # columns line up: the title starts at the same place on every line
    col = lines[0].index("TITLE")
    assert all(line[col - 1] == " " and line[col] != " " for line in lines)


def test_runbook_list_wide_and_json() -> None:
    wide = run("runbook", "list", "-o", "wide").stdout
    assert wide.splitlines()[0].split()[-2:] == ["PARAMS", "FILE"]
    line = next(x for x in wide.splitlines() if x.startswith("order-sync-failed "))
    assert line.endswith("runbooks/order-sync-failed.yaml") and " order_id " in line
    doc = json.loads(run("runbook", "list", "-o", "json").stdout)
    book = next(b for b in doc if b["id"] == "order-sync-failed")
    assert book["file"].endswith("runbooks/order-sync-failed.yaml")
    assert list(book["params"]) == ["order_id"]


def test_runbook_show_prints_the_file_whole_and_renders_the_note() -> None:
    done = run("runbook", "show", "pool-exhaustion")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    path = next(x for x in lines if x.startswith("file: ")).removeprefix("file: ")
    assert Path(path).is_file() and path.endswith("runbooks/pool-exhaustion.yaml")
    assert "**" not in done.stdout  # Markdown rendered, not shown raw
    assert "idle in transaction hold their connection" in done.stdout.replace("\n", " ")


@pytest.mark.parametrize(
    "command",
    [("runbook", "list"), ("runbook", "run"), ("silence", "add"), ("silence", "list"),
     ("audit",), ("check",), ("order",), ("audit", "resolve")],
)  # fmt: skip
def test_help_shows_the_commands_own_options_first(command: tuple[str, ...]) -> None:
    done = run(*command, "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    own = text.index("options:")
    group = text.index("global options:")
    assert own < group and "-h, --help" in text[own:group]
    usage = text[: text.index("\n\n")]
    assert not any(flag in usage for flag in GLOBAL_FLAGS), usage
    for flag in GLOBAL_FLAGS:
        assert flag in text[group:]
    assert "KUBERNETES." not in text and "POSTGRES." not in text and "TRACES.URL" not in text
    for shown in ("--kubeconfig PATH", "--config PATH", "--pg-dsn DSN", "--prometheus URL",
                  "--alertmanager URL", "--openclaw-api URL"):  # fmt: skip
        assert shown in text


def test_audit_piped_is_plain_columns_and_takes_o(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "oc-console" / "audit.jsonl")
    long_error = "verification failed: " + "deployment openclaw-adapter-amazon not ready " * 4
    log.append({"id": "0123456789abcdef", "phase": "end", "at": "2026-12-05T09:00:00+00:00",
                "user": "ana", "host": "bastion-1", "context": "prod", "action": "restart",
                "target": {"kind": "deployment", "name": "openclaw-adapter-amazon",
                           "namespace": "openclaw"}, "outcome": "failed",
                "error": long_error, "duration_s": 61.2})  # fmt: skip
    done = run("audit", state=tmp_path)
    assert_plain(done.stdout)
    header, row = done.stdout.splitlines()
    assert header.split() == ["AT", "USER", "CONTEXT", "ACTION", "TARGET", "PHASE", "OUTCOME",
                              "DETAIL"]  # fmt: skip
    assert row.endswith(long_error.strip())
    assert "deployment/openclaw-adapter-amazon in openclaw" in row
    wide = run("audit", "-o", "wide", state=tmp_path).stdout.splitlines()
    assert wide[0].split()[-4:] == ["ID", "HOST", "IDENTITY", "DURATION"]
    assert "0123456789abcdef   bastion-1" in wide[1] and wide[1].endswith("61.2s")
    doc = json.loads(run("audit", "-o", "json", state=tmp_path).stdout)
    assert doc["records"][0]["error"] == long_error
