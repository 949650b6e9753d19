"""Replaying a recorded sandbox incident (the oom scenario, kept under tests/fixtures): the
current analysis still finds the OOM kill in it, `check --replay` answers as check would have
then, and a file that is no recording gets one line on stderr and a non-zero exit."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from oc_console.cli.main import main
from oc_console.config import Config
from oc_console.recording.reader import Recording
from oc_console.services.replay import ReplayConsole, offline
from oc_console.services.replay_player import ReplayPlayer

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "recordings" / "sandbox-oom.ocrec"
AMAZON = "openclaw/openclaw-adapter-amazon"


def player(*, as_recorded: bool = False) -> ReplayPlayer:
    return ReplayPlayer(Recording(FIXTURE), offline(Config()), as_recorded=as_recorded)


def test_the_fixture_stays_small() -> None:
    assert FIXTURE.stat().st_size < 1024 * 1024


def test_the_current_analysis_still_finds_the_oom_kill_in_the_recorded_incident() -> None:
    p = player()
    p.seek(p.recording.end)
    snap = p.snapshot()
    oom = [f for f in snap.findings if f.id == "adapter-oomkilled"]
    assert [f.subject for f in oom] == [AMAZON]
    assert oom[0].severity.label == "critical" and oom[0].runbook == "adapter-oomkilled"
    assert snap.read_only and snap.replay is not None and snap.replay.frame == len(p) - 1
    assert snap.generated_at == p.recording.end  # judged at the recorded time, not now
    # as recorded: the findings the recording console built, the same rule among them
    recorded = player(as_recorded=True)
    recorded.seek(recorded.recording.end)
    assert "adapter-oomkilled" in {f.id for f in recorded.snapshot().findings}


def test_every_frame_decodes_and_stepping_matches_seeking() -> None:
    p = player()
    forward = [p.frame(i).inputs for i in range(len(p))]
    fresh = player()
    for i in (len(p) - 1, 0, len(p) // 2):
        assert fresh.frame(i).inputs == forward[i]
    assert all(a.now < b.now for a, b in itertools.pairwise(forward))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oc_console.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "NO_COLOR": "1"},
    )


def test_check_replay_answers_as_check_would_have_at_the_end() -> None:
    done = run_cli("check", "--replay", str(FIXTURE), "--json")
    assert done.returncode == 2, done.stderr  # CRITICAL, as check exits
    doc = json.loads(done.stdout)
    ids = {(f["id"], f["subject"]) for f in doc["findings"]}
    assert ("adapter-oomkilled", AMAZON) in ids
    assert doc["sources"]["kubernetes"]["ok"] is True


@pytest.mark.parametrize("output", [(), ("--json",)])
def test_a_reader_that_leaves_early_takes_no_exit_code_with_it(output: tuple[str, ...]) -> None:
    """`check ... | head -1` in a script: the status is the exit code, however much was read."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "oc_console.cli", "check", "--replay", str(FIXTURE), *output],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before the first line: every write meets a closed pipe
    try:
        assert proc.wait(timeout=60) == 2  # CRITICAL, as the whole read exits
    finally:
        proc.kill()
    assert proc.stderr.read() == ""
    proc.stderr.close()


def test_check_replay_at_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    rec = Recording(FIXTURE)
    second = rec.frames[1].time + timedelta(seconds=0.5)
    code = main(["check", "--replay", str(FIXTURE), "--json", "--at", second.strftime("%H:%M:%S")])
    doc = json.loads(capsys.readouterr().out)
    # the frame shown at that second: its own clock, not the end's
    assert doc["generated_at"].startswith(rec.frames[1].time.strftime("%Y-%m-%dT%H:%M:%S"))
    assert code in (0, 1, 2)
    assert main(["check", "--replay", str(FIXTURE), "--at", "+1h"]) == 3
    assert "outside the recording" in capsys.readouterr().err
    assert main(["check", "--replay", str(FIXTURE), "--at", "noon"]) == 3
    assert "not a time: 'noon'" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["random", "truncated", "empty", "missing"])
@pytest.mark.parametrize("command", ["check", "replay"])
def test_a_damaged_file_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, damage: str, command: str
) -> None:
    path = tmp_path / "bad.ocrec"
    if damage == "random":
        path.write_bytes(__import__("os").urandom(5000))
    elif damage == "truncated":
        path.write_bytes(FIXTURE.read_bytes()[:40])
    elif damage == "empty":
        path.write_bytes(b"")
    args = ["check", "--replay", str(path)] if command == "check" else ["replay", str(path)]
    done = run_cli(*args)
    assert done.returncode == (3 if command == "check" else 2)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"oc-console: {path}"), done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_a_file_cut_mid_frame_replays_up_to_its_last_whole_frame(tmp_path: Path) -> None:
    path = tmp_path / "crashed.ocrec"
    data = FIXTURE.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    done = run_cli("check", "--replay", str(path), "--json")
    assert done.returncode == 2
    assert "cut short or corrupt after the frame of" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert json.loads(done.stdout)["findings"]


async def test_the_replay_facade_cannot_act() -> None:
    console = ReplayConsole(Config(), player())
    assert console.config.read_only and not console.config.any_source_configured
    result = await console.prepare_action(
        "restart", {"namespace": "openclaw", "deployment": "openclaw-adapter-amazon"}
    )
    assert getattr(result, "status", None) in ("refused", "failed")
    await console.close()
