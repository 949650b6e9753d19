"""Alerts flow Prometheus -> Alertmanager -> console: the sandbox's real Prometheus evaluates the
shipped rules and a real Alertmanager holds what fires; the console ties each page to the finding
that explains it. Without the binaries the stand-in answers, and says so."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oc_console.config import AlertmanagerConfig
from oc_console.config_loading import load_config
from oc_console.domain.alerts import AlertsSnapshot
from oc_console.errors import SourceError
from oc_console.sandbox.alerts.runner import alertmanager_binary
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.services.console import Console
from oc_console.sources.alertmanager import AlertmanagerSource

pytestmark = pytest.mark.integration


def need_binaries() -> None:
    if alertmanager_binary() and shutil.which("prometheus") and shutil.which("promtool"):
        return
    reason = "prometheus or alertmanager not on PATH (apt-get install prometheus-alertmanager)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: required under CI=true")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    need_binaries()
    sb = Sandbox(parse_scenarios("oom,order"), Path(tmp_path_factory.mktemp("alerts")))
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


async def until(
    source: AlertmanagerSource, check: Callable[[AlertsSnapshot], bool], timeout: float = 30.0
) -> AlertsSnapshot:
    """The first snapshot for which `check(snapshot)` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        snap = await source.fetch()
        if check(snap) or loop.time() > deadline:
            return snap
        await asyncio.sleep(0.5)


def names(snap: AlertsSnapshot) -> set[str]:
    return {a.alertname for a in snap.firing}


async def test_rules_fire_and_reach_the_console_through_a_real_alertmanager(
    sandbox: Sandbox,
) -> None:
    assert not sandbox.alerts.stand_in and not sandbox.metrics.stand_in
    source = AlertmanagerSource(AlertmanagerConfig(url=sandbox.alerts.url))
    try:
        wanted = {"AdapterOOMKilled", "AdapterThrottled", "QueueBacklog", "InventoryFeedStale"}
        snap = await until(source, lambda s: wanted <= names(s))
    finally:
        await source.close()
    assert wanted <= names(snap), names(snap)
    assert not snap.stand_in
    oom = next(a for a in snap.firing if a.alertname == "AdapterOOMKilled")
    assert (oom.label("pod") or "").startswith("openclaw-adapter-amazon-")


async def test_the_console_explains_pages_and_names_the_unexplained(sandbox: Sandbox) -> None:
    config = load_config(None, sandbox.flags(), environ={})
    console = Console(config)
    try:
        for _ in range(60):
            snap = await console.refresh(force=True)
            got = {m.alert.alertname for m in snap.firing}
            if {"AdapterOOMKilled", "InventoryFeedStale"} <= got and snap.fleet and snap.metrics:
                break
            await asyncio.sleep(0.5)
    finally:
        await console.close()
    by_name = {m.alert.alertname: m for m in snap.firing}
    oom = by_name["AdapterOOMKilled"]
    assert oom.finding is not None and oom.finding.id == "adapter-oomkilled"
    assert by_name["InventoryFeedStale"].finding is None
    unexplained = [f for f in snap.findings if f.id == "alert-unexplained"]
    assert [f.pages for f in unexplained] == [("InventoryFeedStale",)]
    paging = next(f for f in snap.findings if f.id == "adapter-oomkilled")
    assert "AdapterOOMKilled" in paging.pages


async def test_a_silence_suppresses_and_its_expiry_restores(sandbox: Sandbox) -> None:
    source = AlertmanagerSource(AlertmanagerConfig(url=sandbox.alerts.url))
    now = datetime.now(UTC)
    body: dict[str, object] = {
        "matchers": [
            {"name": "alertname", "value": "InventoryFeedStale", "isRegex": False, "isEqual": True}
        ],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=2)).isoformat(),
        "createdBy": "test",
        "comment": "feed owner paged separately",
    }
    try:
        await until(source, lambda s: "InventoryFeedStale" in names(s))
        silence_id = await source.create_silence(body)
        silenced = await until(source, lambda s: "InventoryFeedStale" not in names(s))
        assert "InventoryFeedStale" not in names(silenced)
        stale = next(a for a in silenced.alerts if a.alertname == "InventoryFeedStale")
        assert stale.state == "suppressed" and silence_id in stale.silenced_by
        assert (await source.silence(silence_id)).state == "active"
        await source.expire_silence(silence_id)
        assert (await source.silence(silence_id)).state == "expired"
        back = await until(source, lambda s: "InventoryFeedStale" in names(s))
        assert "InventoryFeedStale" in names(back)
        with pytest.raises(SourceError, match="is not a silence id"):
            await source.expire_silence("../../api/v2/status")
    finally:
        await source.close()


async def test_the_stand_in_says_it_is_one(tmp_path: Path) -> None:
    sb = Sandbox(parse_scenarios("oom"), tmp_path, use_prometheus=False).start()
    try:
        assert sb.alerts.stand_in
        source = AlertmanagerSource(AlertmanagerConfig(url=sb.alerts.url))
        try:
            snap = await source.fetch()
        finally:
            await source.close()
    finally:
        sb.stop()
    assert snap.stand_in and "AdapterOOMKilled" in names(snap)


async def test_an_unreachable_alertmanager_is_one_line() -> None:
    source = AlertmanagerSource(AlertmanagerConfig(url="http://user:hunter2@127.0.0.1:9"))
    try:
        with pytest.raises(SourceError) as err:
            await source.fetch()
    finally:
        await source.close()
    message = str(err.value)
    assert "\n" not in message and "hunter2" not in message and "unreachable" in message


def _cli(sandbox: Sandbox, *args: str, state: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBE"))}
    env.update(sandbox.env(), XDG_STATE_HOME=str(state), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "oc_console.cli", *args],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip


def _audit(state: Path) -> list[dict[str, object]]:
    path = state / "oc-console" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_silence_from_the_command_line_is_previewed_verified_and_audited(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    matcher = "alertname=InventoryFeedStale"
    add = _cli(sandbox, "silence", "add", "--match", matcher, "--for", "1h",
               "--comment", "feed team is on it", "--yes", state=tmp_path)  # fmt: skip
    assert add.returncode == 0, add.stderr + add.stdout
    assert '"createdBy"' in add.stdout and "InventoryFeedStale" in add.stdout  # the exact JSON
    assert "listed and active" in add.stdout
    created = re.search(r"silence ([0-9a-f-]{36}) created", add.stdout)
    assert created is not None
    silence_id = created.group(1)
    listed = _cli(sandbox, "silence", "list", state=tmp_path)
    assert silence_id in listed.stdout and "active" in listed.stdout
    expire = _cli(sandbox, "silence", "expire", silence_id, "--yes", state=tmp_path)
    assert expire.returncode == 0 and "is expired" in expire.stdout, expire.stdout
    records = _audit(tmp_path)
    phases = [(r["action"], r["phase"]) for r in records]
    assert phases == [("silence", "start"), ("silence", "end"),
                      ("expire-silence", "start"), ("expire-silence", "end")]  # fmt: skip
    assert records[1]["outcome"] == "ok" and records[3]["outcome"] == "ok"


def test_read_only_refuses_a_silence_and_audits_the_refusal(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    before = _cli(sandbox, "silence", "list", state=tmp_path).stdout.count("active")
    refused = _cli(sandbox, "--read-only", "silence", "add", "--match", "alertname=QueueBacklog",
                   "--comment", "x", "--yes", state=tmp_path)  # fmt: skip
    assert refused.returncode == 1 and "read-only" in refused.stdout
    assert _cli(sandbox, "silence", "list", state=tmp_path).stdout.count("active") == before
    (record,) = _audit(tmp_path)
    assert record["phase"] == "refused" and record["reason"] == "read-only"


def test_a_silence_without_a_comment_or_matcher_is_one_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    for args, message in (
        (("--match", "alertname=QueueBacklog"), "needs a comment"),
        (("--comment", "why"), "at least one matcher"),
        (("--match", "alertname=QueueBacklog", "--comment", "w", "--for", "3y"), "bad duration"),
        (("--match", "1bad=x", "--comment", "w"), "bad matcher"),
    ):
        done = _cli(sandbox, "silence", "add", *args, "--yes", state=tmp_path)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert _audit(tmp_path) == []


def _silence_ids(sandbox: Sandbox, state: Path) -> set[str]:
    listed = _cli(sandbox, "silence", "list", state=state).stdout
    return set(re.findall(r"^ *([0-9a-f-]{36}) +(?:active|pending)", listed, re.MULTILINE))


async def _all_firing(sandbox: Sandbox) -> set[str]:
    source = AlertmanagerSource(AlertmanagerConfig(url=sandbox.alerts.url))
    try:
        wanted = {"AdapterOOMKilled", "AdapterThrottled", "QueueBacklog", "InventoryFeedStale"}
        return names(await until(source, lambda s: wanted <= names(s)))
    finally:
        await source.close()


async def test_a_silence_of_everything_is_refused_without_match_all(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    every = "alertname=~(" + "|".join(sorted(await _all_firing(sandbox))) + ")"
    before = _silence_ids(sandbox, tmp_path)
    for matcher in ("alertname=~.+", every):
        refused = _cli(sandbox, "silence", "add", "--match", matcher, "--comment", "noise",
                       "--yes", state=tmp_path)  # fmt: skip
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "it would hide every page" in refused.stdout and "--match-all" in refused.stdout
    assert _silence_ids(sandbox, tmp_path) == before
    assert [(r["phase"], r["reason"]) for r in _audit(tmp_path)] == [("refused", "match-all")] * 2
    allowed = _cli(sandbox, "silence", "add", "--match", every, "--for", "5m", "--comment",
                   "planned outage", "--match-all", "--yes", state=tmp_path)  # fmt: skip
    created = re.search(r"silence ([0-9a-f-]{36}) created", allowed.stdout)
    try:
        assert allowed.returncode == 0 and created, allowed.stdout + allowed.stderr
        params = _audit(tmp_path)[-1]["params"]
        assert isinstance(params, dict) and params["match_all"] is True
    finally:
        if created:  # the other tests need their pages
            _cli(sandbox, "silence", "expire", created.group(1), "--yes", state=tmp_path)


def test_one_alert_named_is_not_everything(sandbox: Sandbox, tmp_path: Path) -> None:
    add = _cli(sandbox, "silence", "add", "--match", "alertname=QueueBacklog", "--for", "5m",
               "--comment", "queue team on it", "--yes", state=tmp_path)  # fmt: skip
    created = re.search(r"silence ([0-9a-f-]{36}) created", add.stdout)
    assert add.returncode == 0 and created, add.stdout + add.stderr
    _cli(sandbox, "silence", "expire", created.group(1), "--yes", state=tmp_path)


async def _made_silence(sandbox: Sandbox) -> str:
    source = AlertmanagerSource(AlertmanagerConfig(url=sandbox.alerts.url))
    now = datetime.now(UTC)
    try:
        return await source.create_silence({
            "matchers": [{"name": "alertname", "value": "QueueBacklog", "isRegex": False,
                          "isEqual": True}],
            "startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=30)).isoformat(),
            "createdBy": "ana@bastion (oidc:ana)", "comment": "queue drained by hand, watch it",
        })  # fmt: skip
    finally:
        await source.close()


async def test_the_expiry_preview_shows_what_the_silence_holds(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    silence_id = await _made_silence(sandbox)
    expire = _cli(sandbox, "silence", "expire", silence_id, "--yes", state=tmp_path)
    assert expire.returncode == 0, expire.stdout + expire.stderr
    head = expire.stdout.split("yes (--yes)")[0]  # what was shown before the answer
    assert f"/api/v2/silence/{silence_id}" in head
    assert "matchers:   alertname=QueueBacklog" in head
    assert "comment:    queue drained by hand, watch it" in head
    assert "created by: ana@bastion (oidc:ana)" in head


async def test_a_silence_id_with_a_trailing_newline_is_refused_and_audited(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    silence_id = await _made_silence(sandbox)
    try:
        refused = _cli(sandbox, "silence", "expire", silence_id + "\n", "--yes", state=tmp_path)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "is not a silence id" in refused.stdout
        assert silence_id in _silence_ids(sandbox, tmp_path)  # still active
        (record,) = _audit(tmp_path)
        assert (record["phase"], record["reason"]) == ("refused", "bad-input")
    finally:
        _cli(sandbox, "silence", "expire", silence_id, "--yes", state=tmp_path)


async def test_silence_list_piped_is_plain_columns_and_takes_o(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    silence_id = await _made_silence(sandbox)
    try:
        listed = _cli(sandbox, "silence", "list", state=tmp_path).stdout
        assert "…" not in listed and "─" not in listed
        lines = listed.splitlines()
        assert lines[0].split() == ["ID", "STATE", "ENDS", "IN", "MATCHERS", "BY", "COMMENT"]
        row = next(x for x in lines if x.startswith(silence_id))
        assert re.split(r" {3,}", row)[3:] == [
            "alertname=QueueBacklog", "ana@bastion (oidc:ana)", "queue drained by hand, watch it"
        ]  # fmt: skip
        assert re.fullmatch(r"\d+ alerts firing", lines[-1])
        wide = _cli(sandbox, "silence", "list", "-o", "wide", state=tmp_path).stdout
        assert wide.splitlines()[0].split()[-2:] == ["STARTS", "ENDS"]
        doc = json.loads(_cli(sandbox, "silence", "list", "-o", "json", state=tmp_path).stdout)
        mine = next(s for s in doc["silences"] if s["id"] == silence_id)
        assert mine["created_by"] == "ana@bastion (oidc:ana)"
        assert mine["matchers"][0]["value"] == "QueueBacklog"
        assert isinstance(doc["alerts_firing"], int)
    finally:
        _cli(sandbox, "silence", "expire", silence_id, "--yes", state=tmp_path)
