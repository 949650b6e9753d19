"""The hand-off after the oom drill on the sandbox (find the OOMKilled adapter, restart it
through the engine, look up a failed order, write a note), checked section by section, with no
secret and no control character; and `oc-console handoff` itself, the real binary, on the same
sandbox, naming the adapter and its limit, the restart with who and its verification, and the
note."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from action_fixtures import console_for

from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.handoff import build, markdown
from oc_console.runbook.engine import Plan
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.sanitize import is_clean
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
APP = "openclaw-adapter-amazon"
SECRET = "hunter2-not-shown"
NOTE = "amazon OOMKilled at its 512Mi limit; restarted, raising the limit is next"
HOSTILE = f"postgresql://ops:{SECRET}@db/ops said \x1b]52;c;cHduZWQ=\x07 no \u202eexe"


@pytest.fixture(scope="module")
def oom_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = Sandbox(
        parse_scenarios("oom"), Path(tmp_path_factory.mktemp("oom")), use_prometheus=False
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("state"))


@pytest.fixture
async def console(oom_sandbox: Sandbox, state: Path) -> AsyncIterator[Console]:
    c = console_for(oom_sandbox, state / "oc-console" / "audit.jsonl")
    try:
        yield c
    finally:
        await c.close()


def sections(md: str) -> dict[str, str]:
    head, *rest = md.split("\n## ")
    out = {"title": head}
    for part in rest:
        name, _, body = part.partition("\n")
        out[name] = body
    return out


async def drill(console: Console) -> ConsoleSnapshot:
    """Find the OOMKilled adapter, restart it through the engine; leave an unfinished action
    whose text carries a password and escape sequences."""
    snap = await console.collect(15)
    console.latest()  # what the Overview shows: the incident's journal notes the OOMKill
    oom = next(f for f in snap.findings if f.id == "adapter-oomkilled")
    assert oom.target is not None and oom.target.name == APP
    plan = await console.prepare_action("restart", {"deployment": APP})
    assert isinstance(plan, Plan), plan
    result = await console.run_action(plan, confirmed=True)
    assert result.status == "done", result.message
    assert snap.recent_orders is not None
    failed = snap.recent_orders.groups[0]
    looked = await console.lookup_order(failed.order_ids[0])  # recorded by the facade
    assert looked.done
    # a pasted DSN in a note never reaches the audit or the hand-off
    assert await console.add_note(f"{NOTE} (db postgresql://ops:{SECRET}@db/ops)") != ""
    console.audit.append({"id": "f00dfeed" * 4, "phase": "start",
                          "at": datetime.now(UTC).isoformat(), "user": "bob", "host": "b2",
                          "action": "scale", "target": {"kind": "deployment", "name": HOSTILE,
                                                        "namespace": "openclaw"}})  # fmt: skip
    after = await console.collect(15)
    console.latest()
    await console.journal_written()
    return after


async def test_the_handoff_after_the_oom_drill_section_by_section(console: Console) -> None:
    snap = await drill(console)
    reading = console.audit.read(timedelta(hours=2))
    assert SECRET not in next(json.dumps(r) for r in reading.records if r["phase"] == "note")
    h = build(snap, list(reading.records), timedelta(hours=2), every=list(reading.every))
    md = markdown(h)
    s = sections(md)
    assert list(s) == ["title", "What is wrong now", "What was done", "Timeline",
                       "Orders looked at", "Open questions"]  # fmt: skip
    assert s["title"].startswith("# Hand-off: openclaw-sandbox, last 2h (since ")
    assert "worst CRITICAL" in s["title"]
    wrong = s["What is wrong now"]
    first = next(line for line in wrong.splitlines() if line.startswith("- **"))
    assert first.startswith("- **CRITICAL** openclaw/openclaw-adapter-amazon:")
    assert "memory limit (512Mi)" in first
    assert "OOMKilled (exit 137)" in wrong and "memory limit 512Mi" in wrong  # its evidence
    start = next(r for r in reading.records if r["action"] == "restart")
    who = f"{start['user']}@{start['host']} (oncall@openclaw.io)"
    done = s["What was done"]
    assert f"restart deployment/{APP} in openclaw by {who}: ok, verified: " in done
    assert f'deployment "{APP}" successfully rolled out' in done
    timeline = s["Timeline"].splitlines()
    started = next(i for i, x in enumerate(timeline) if f"restart deployment/{APP}" in x
                   and x.endswith("started"))  # fmt: skip
    ended = next(i for i, x in enumerate(timeline) if x.endswith("ended: ok"))
    assert started < ended
    assert [x[2:21] for x in timeline if x] == sorted(x[2:21] for x in timeline if x)
    assert any("page AdapterOOMKilled" in x and "fired" in x for x in timeline)
    note = next(i for i, x in enumerate(timeline) if f"note by {who}: {NOTE}" in x)
    assert ended < note  # written after the restart ended, in time order
    lookup = next(r for r in reading.records if r["phase"] == "lookup")
    order_id = lookup["target"]["name"]
    assert any(f"order {order_id} looked up by {who}: " in x for x in timeline)
    orders = [x for x in s["Orders looked at"].splitlines() if x]
    # the order looked up first, with its state and the one line that says why it failed
    assert orders[0] == f"- {order_id}: {lookup['outcome']}: {lookup['note']}"
    assert lookup["outcome"] and "429" in lookup["note"]
    assert "platform API returned 429" in s["Orders looked at"]
    # the incident began with the first CRITICAL finding
    assert "_Incident started " in s["title"] and "the first CRITICAL finding: " in s["title"]
    questions = s["Open questions"]
    assert "unfinished action f00dfeedf00dfeed" in questions and "by bob@b2" in questions
    assert SECRET not in md and "\x1b" not in md and "\u202e" not in md
    assert all(is_clean(line) for line in md.splitlines())
    doc = h.to_json()
    assert doc["worst"] == "CRITICAL" and doc["done"][0]["outcome"] == "ok"
    assert [d["action"] for d in doc["done"]] == ["restart", "scale"]  # no note, no lookup
    assert SECRET not in json.dumps(doc)


def test_oc_console_handoff_after_the_drill_names_the_adapter_the_restart_and_the_note(
    oom_sandbox: Sandbox, state: Path
) -> None:
    """The real binary, stdout, section by section (the first test ran the drill)."""
    env = {**os.environ, **oom_sandbox.env(), "XDG_STATE_HOME": str(state), "NO_COLOR": "1"}
    env.pop("OC_AUDIT_DSN", None)
    done = subprocess.run([sys.executable, "-m", "oc_console.cli", "handoff"], capture_output=True,
                          text=True, timeout=90, env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    s = sections(done.stdout)
    assert list(s) == ["title", "What is wrong now", "What was done", "Timeline",
                       "Orders looked at", "Open questions"]  # fmt: skip
    # found: the console's journal has the OOMKill from when the Overview showed it, though
    # the restart has cleared it from what is wrong now
    oom = next(
        x for x in s["Timeline"].splitlines() if f" critical OOMKilled: openclaw/{APP}: " in x
    )
    assert "memory limit (512Mi)" in oom
    assert f"(the first CRITICAL finding: critical OOMKilled: openclaw/{APP}: " in s["title"]
    restart = next(x for x in s["What was done"].splitlines() if f"restart deployment/{APP}" in x)
    assert " by " in restart and "(oncall@openclaw.io)" in restart
    assert ": ok, verified: " in restart and "successfully rolled out" in restart
    note = next(x for x in s["Timeline"].splitlines() if " note by " in x)
    assert note.endswith(f"(oncall@openclaw.io): {NOTE} (db postgresql://ops:***@db/ops)")
    assert "looked up by" in s["Timeline"] and "not found" not in s["Orders looked at"]
    assert SECRET not in done.stdout


def test_the_command_line_writes_it_to_a_file_and_as_json(
    oom_sandbox: Sandbox, state: Path, tmp_path: Path
) -> None:
    env = {**os.environ, **oom_sandbox.env(), "XDG_STATE_HOME": str(state), "NO_COLOR": "1"}
    env.pop("OC_AUDIT_DSN", None)
    out = tmp_path / "incident.md"
    cli = [sys.executable, "-m", "oc_console.cli", "handoff", "--since", "2h"]
    done = subprocess.run([*cli, "--out", str(out)], capture_output=True, text=True, timeout=90,
                          env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "hand-off written to" in done.stderr
    md = out.read_text()
    assert md.startswith("# Hand-off: ") and "## What was done" in md
    data = subprocess.run([*cli, "--json"], capture_output=True, text=True, timeout=90, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert data.returncode == 0, data.stderr
    doc = json.loads(data.stdout)
    assert doc["audit_source"] == "local" and f"# Hand-off: {doc['cluster']}, " in md
    # the drill's restart, from this machine's audit (the first test ran it)
    assert any(d["action"] == "restart" and d["outcome"] == "ok" for d in doc["done"])
    bad = subprocess.run([*cli[:-1], "soon"], capture_output=True, text=True, timeout=30,
                         env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--since" in bad.stderr
