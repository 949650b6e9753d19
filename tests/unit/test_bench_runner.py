"""`make bench` says what it did not measure: a skip is shown with its reason and fails the run
unless BENCH_ALLOW_SKIP=1; a fixed limit is printed as `limit=`, never as a baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import limit, report, skip
from bench.runner import Tally, read_run, run

OK_LINE = "bench: fast value=1ms baseline=2ms ratio=0.500 budget=1 ok"


def test_a_skip_on_stderr_is_shown_with_its_reason_and_fails_the_run() -> None:
    tally = Tally()
    stderr = "some warning\nbench: probe_vs_pg_activity skipped: pip install pg_activity\n"
    shown = read_run("bench.bench_probe", 0, "", stderr, tally)
    assert shown == ["bench: probe_vs_pg_activity skip pip install pg_activity"]
    assert (tally.skipped, tally.failed) == (1, 0)
    assert tally.exit_code(allow_skip=False) == 1
    assert tally.exit_code(allow_skip=True) == 0
    assert "BENCH_ALLOW_SKIP=1" in tally.summary(allow_skip=False)


def test_the_skip_helper_prints_a_line_the_runner_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    skip("docker_200", "no docker daemon")
    out = capsys.readouterr().out
    assert out == "bench: docker_200 skip no docker daemon\n"
    tally = Tally()
    assert read_run("bench.bench_docker", 0, OK_LINE + "\n" + out, "", tally) == [
        OK_LINE,
        "bench: docker_200 skip no docker daemon",
    ]
    assert (tally.ok, tally.skipped) == (1, 1)


def test_a_fixed_limit_is_printed_as_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert limit("keystroke_p95_absolute", 12.0, 50, "ms")
    assert not limit("cold_start_absolute", 0.9, 0.8, "s")
    assert limit("idle_bytes_per_s", 0, 0, "B")
    assert not limit("idle_bytes_per_s", 3, 0, "B")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "bench: keystroke_p95_absolute value=12ms limit=50ms ratio=0.240 ok"
    assert lines[1] == "bench: cold_start_absolute value=0.9s limit=0.8s ratio=1.125 over"
    assert lines[2].endswith("limit=0B ratio=0.000 ok")
    assert lines[3].endswith("limit=0B ratio=inf over")
    assert not any("baseline=" in line for line in lines)
    report("table_paint", 3, 2, 1.5, "ms")  # a measured baseline keeps its name
    assert "baseline=2ms" in capsys.readouterr().out


def test_an_exit_1_without_a_budget_over_is_a_failure_not_a_pass() -> None:
    tally = Tally()
    shown = read_run("bench.bench_x", 1, OK_LINE, "Traceback...\nKeyError: 'pods'\n", tally)
    assert shown[-1] == "bench: bench.bench_x failed with no budget over: KeyError: 'pods'"
    assert tally.failed == 1
    assert tally.exit_code(allow_skip=True) == 1


def test_a_bench_that_reports_nothing_fails() -> None:
    tally = Tally()
    assert read_run("bench.bench_y", 0, "# warming up\n", "", tally)[-1] == (
        "bench: bench.bench_y reported no budget"
    )
    assert tally.exit_code(allow_skip=True) == 1


def test_an_over_budget_is_counted_once() -> None:
    tally = Tally()
    over = "bench: slow value=3ms baseline=1ms ratio=3.000 budget=1.5 over"
    assert read_run("bench.bench_z", 1, over, "", tally) == [over]
    assert (tally.over, tally.failed) == (1, 0)


def _bench_package(root: Path, scripts: dict[str, str]) -> list[str]:
    package = root / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, body in scripts.items():
        (package / f"{name}.py").write_text(body)
    return [f"fakebench.{name}" for name in scripts]


def test_the_runner_runs_each_bench_and_fails_on_its_skip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modules = _bench_package(tmp_path, {
        "bench_a": f"print({OK_LINE!r})",
        "bench_b": "import sys; print('bench: b skipped: no tool', file=sys.stderr)",
    })  # fmt: skip
    assert run(modules, tmp_path, allow_skip=False) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [OK_LINE, "bench: b skip no tool"]
    assert out[-1].startswith("bench: 1 ok, 0 over, 1 skipped, 0 failed")
    assert run(modules, tmp_path, allow_skip=True) == 0
