"""The recorded sandbox crash-loop and pool incidents (kept under tests/fixtures, recorded with
`oc-console demo --scenario crashloop|pool --record FILE`, quit after about 40 s), replayed with
the current analysis: a rule change that loses the crash-loop or the pool finding fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oc_console.cli.main import main
from oc_console.config import Config
from oc_console.recording.reader import Recording
from oc_console.services.replay import offline
from oc_console.services.replay_player import ReplayPlayer

RECORDINGS = Path(__file__).resolve().parent.parent / "fixtures" / "recordings"
SHOPEE = "openclaw/openclaw-adapter-shopee"
# (fixture, the critical finding the incident is about, its subject, its runbook)
INCIDENTS = [
    ("sandbox-crashloop.ocrec", "adapter-crashloop", SHOPEE, "adapter-crashloop"),
    ("sandbox-pool.ocrec", "pool-idle-in-transaction", "postgres", "pool-exhaustion"),
]
# what else each incident shows: the rollout that caused the loop, the lock chain of the pool
ALSO = {
    "sandbox-crashloop.ocrec": {("changed-before-it-broke", SHOPEE), ("rollout-stuck", SHOPEE)},
    "sandbox-pool.ocrec": {("pool-blocking-chain", "postgres"), ("pool-saturation", "postgres")},
}


def player(name: str, *, as_recorded: bool = False) -> ReplayPlayer:
    return ReplayPlayer(Recording(RECORDINGS / name), offline(Config()), as_recorded=as_recorded)


@pytest.mark.parametrize(("name", "rule", "subject", "runbook"), INCIDENTS)
def test_the_current_analysis_still_finds_the_recorded_incident(
    name: str, rule: str, subject: str, runbook: str
) -> None:
    assert (RECORDINGS / name).stat().st_size < 1024 * 1024
    p = player(name)
    p.seek(p.recording.end)
    snap = p.snapshot()
    found = [f for f in snap.findings if f.id == rule]
    assert [f.subject for f in found] == [subject]
    assert found[0].severity.label == "critical" and found[0].runbook == runbook
    assert ALSO[name] <= {(f.id, f.subject) for f in snap.findings}
    assert snap.generated_at == p.recording.end and snap.read_only
    # as recorded: the recording console built the same finding then
    recorded = player(name, as_recorded=True)
    recorded.seek(recorded.recording.end)
    assert (rule, subject) in {(f.id, f.subject) for f in recorded.snapshot().findings}


def test_stepping_to_the_crash_loop_shows_it_appear() -> None:
    p = player("sandbox-crashloop.ocrec")
    loop = ("adapter-crashloop", SHOPEE)
    assert loop not in p.finding_keys(0)  # the recording starts before the loop is seen
    while loop not in p.finding_keys(p.index):  # `}`: the next finding change
        assert p.next_change(1), "the crash loop never appears in the recording"
    assert 0 < p.index < len(p) - 1
    assert loop in {(f.id, f.subject) for f in p.snapshot().findings}
    assert loop not in p.finding_keys(p.index - 1)


@pytest.mark.parametrize(("name", "rule", "subject", "runbook"), INCIDENTS)
def test_check_replay_answers_critical_with_the_finding(
    name: str, rule: str, subject: str, runbook: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--replay", str(RECORDINGS / name), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2  # CRITICAL, as check exits
    assert (rule, subject) in {(f["id"], f["subject"]) for f in doc["findings"]}
