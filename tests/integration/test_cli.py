"""The real `oc-console` command: the sandbox in the foreground, `check` against it, clean stops,
one-line errors."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "oc_console.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def sandbox_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, str], subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [*CLI, "sandbox", "--print-env", "--scenario", "pool,oom,cert,webhook,crashloop"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    env: dict[str, str] = {}
    assert proc.stdout is not None
    while "OC_PROMETHEUS" not in env:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "sandbox exited"
        key, _, value = line.removeprefix("export ").strip().partition("=")
        env[key] = value.strip("'")
    try:
        yield env, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)


def test_check_json_against_the_sandbox(sandbox_env: tuple[dict[str, str], object]) -> None:
    env, _ = sandbox_env
    done = run("check", "--json", env=env)
    assert done.returncode == 2, done.stderr  # critical findings: Nagios CRITICAL
    doc = json.loads(done.stdout)
    assert {k: v["ok"] for k, v in doc["sources"].items()} == {
        "postgres": True, "kubernetes": True, "prometheus": True, "traces": False,
        "alertmanager": False, "orders": True, "tls": True,
    }  # fmt: skip
    assert doc["sources"]["traces"]["status"] == "not configured"
    ids = {f["id"] for f in doc["findings"]}
    assert {"pool-idle-in-transaction", "adapter-oomkilled", "cert-expiring"} <= ids
    assert len(doc["adapters"]) == 7 and doc["database"]["idle_in_transaction_count"] > 100
    assert doc["certificates"][0]["name"] == "openclaw-api-tls"  # soonest expiry first


def test_check_for_a_person_and_options_after_the_subcommand(
    sandbox_env: tuple[dict[str, str], object],
) -> None:
    env, _ = sandbox_env
    done = run("check", "--read-only", "--namespace", "openclaw", env={**env, "NO_COLOR": "1"})
    assert done.returncode == 2
    assert done.stdout.startswith("CRITICAL - ")
    assert "\x1b[" not in done.stdout  # plain when piped
    assert "pool-exhaustion" in done.stdout


BOX = set("─│┃━┏┓┗┛┡┩╇╈┼├┤┬┴╭╮╰╯═║")


def _finding_rows(text: str, columns: list[str]) -> list[list[str]]:
    """The findings table's rows, split on the gaps between columns."""
    lines = text.splitlines()
    header = next(x for x in lines if x.startswith("SEVERITY "))
    assert header.split() == columns
    return [re.split(r" {3,}", x) for x in lines[lines.index(header) + 1 :]]


def test_check_piped_prints_plain_columns_with_every_value_whole(
    sandbox_env: tuple[dict[str, str], object],
) -> None:
    env, _ = sandbox_env
    done = run("check", env={**env, "NO_COLOR": "1"})
    assert done.returncode == 2
    assert not BOX & set(done.stdout) and "…" not in done.stdout
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["SOURCE", "STATUS", "DETAIL"]
    rows = _finding_rows(done.stdout, ["SEVERITY", "SUBJECT", "SUMMARY", "RUNBOOK"])
    count = int(re.search(r" - (\d+) findings", lines[0]).group(1))  # type: ignore[union-attr]
    assert len(rows) == count  # one line each: nothing wrapped
    assert all(len(r) == 4 and r[0] in ("critical", "warning", "info") for r in rows), rows
    doc = json.loads(run("check", "-o", "json", env=env).stdout)
    longest = max((f["summary"] for f in doc["findings"]), key=len)
    stable = re.sub(r"\d+", "N", longest)  # counts move between two reads
    assert stable in {re.sub(r"\d+", "N", r[2]) for r in rows}
    # (the sandbox only adds findings as it runs: each read holds the one before)
    assert {r[3] for r in rows} <= {f["runbook"] or "-" for f in doc["findings"]}
    wide = run("check", "-o", "wide", env={**env, "NO_COLOR": "1"}).stdout
    rows = _finding_rows(wide, ["SEVERITY", "SUBJECT", "SUMMARY", "RUNBOOK", "ID", "PAGES"])
    assert {f["id"] for f in doc["findings"]} <= {r[4] for r in rows}


def test_check_waits_for_the_log_sample_and_hides_query_text(
    sandbox_env: tuple[dict[str, str], object],
) -> None:
    """The webhook signature mismatch comes from the log sampler: `check` waits for its first
    round. pg_stat_activity text stays out unless --include-queries."""
    env, _ = sandbox_env
    done = run("check", "--json", env=env)
    doc = json.loads(done.stdout)
    assert "webhook-signature-mismatch" in {f["id"] for f in doc["findings"]}
    sessions = doc["database"]["idle_in_transaction"]
    assert sessions and {s["query"] for s in sessions} == {"(query text left out)"}
    assert "SELECT" not in json.dumps(doc["findings"])
    shown = json.loads(run("check", "--json", "--include-queries", env=env).stdout)
    assert any("SELECT" in s["query"] for s in shown["database"]["idle_in_transaction"])


def test_a_configured_trace_backend_that_is_down_says_so(
    sandbox_env: tuple[dict[str, str], object],
) -> None:
    env, _ = sandbox_env
    done = run("check", "--json", "--traces", "http://127.0.0.1:1", env=env)
    traces = json.loads(done.stdout)["sources"]["traces"]
    assert traces["configured"] and not traces["ok"] and traces["status"] == "down"
    assert "127.0.0.1:1" in traces["error"] and "\n" not in traces["error"]
    assert done.returncode == 2  # the sandbox's critical findings win over an unread source


def test_markup_in_an_error_is_printed_as_text(tmp_path: Path) -> None:
    done = run("check", "--prometheus", "http://127.0.0.1:1/[/]x[red]y", env={"NO_COLOR": "1"})
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert "[/]x[red]y" in done.stdout.replace("\n", "")


def test_nothing_configured_is_unknown_with_how_to(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "OC_", "KUBE"))}
    env["HOME"] = str(tmp_path)
    env["XDG_CONFIG_HOME"] = str(tmp_path / ".config")
    done = subprocess.run([*CLI, "check"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "no source configured" in done.stderr
    assert "--kubeconfig" in done.stderr and "--pg-dsn" in done.stderr


def test_kubeconfig_env_alone_is_used(
    sandbox_env: tuple[dict[str, str], object], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "OC_", "KUBE"))}
    env.update(HOME=str(tmp_path), KUBECONFIG=f"/nonexistent:{sandbox_env[0]['KUBECONFIG']}")
    done = subprocess.run(
        [*CLI, "check", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert json.loads(done.stdout)["sources"]["kubernetes"]["ok"] is True, done.stderr


@pytest.mark.parametrize(
    "args",
    [("check", "--bogus"), ("check", "--timeout", "soon"), ("--nope", "check"), ("check", "x")],
)
def test_check_usage_errors_are_unknown_in_one_line(args: tuple[str, ...]) -> None:
    done = run(*args)
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "usage:" not in done.stderr
    assert done.stdout == ""


def test_sandbox_stops_cleanly_on_ctrl_c(
    sandbox_env: tuple[dict[str, str], subprocess.Popen[str]],
) -> None:
    _, proc = sandbox_env
    children = psutil.Process(proc.pid).children(recursive=True)
    kube = Path(sandbox_env[0]["KUBECONFIG"])
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    assert not kube.exists()  # its working directory is removed


def test_unreachable_source_is_unknown_with_one_line() -> None:
    done = run("check", "--pg-dsn", "postgresql://u:p@127.0.0.1:1/db")
    assert done.returncode == 3  # UNKNOWN: configured, unreadable, nothing critical
    assert "connection refused" in done.stdout


def test_bad_config_is_one_line_on_stderr(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[postgres]\ntimeout = 3\n")
    done = run("--config", str(config), "check")
    assert done.returncode == 3
    assert done.stderr == f"oc-console: {config}: unknown key 'postgres.timeout'\n"
    assert done.stdout == ""


def test_unknown_scenario_is_refused() -> None:
    started = time.monotonic()
    done = run("demo", "--scenario", "meteor")
    assert done.returncode == 2 and time.monotonic() - started < 30
    assert done.stderr.startswith("oc-console: unknown scenario 'meteor'")
