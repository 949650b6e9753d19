"""Every shipped runbook dry-run on the sandbox with every scenario: each check judges what the
scenario broke, each action previews, and nothing but dry-run audit records is written. Runs
that stop before their action (a check that cannot see the target, no owner of the sessions)
or are declined write no more than refusals: the shared sandbox is never changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from action_fixtures import console_for, records

from oc_console.runbook.engine import Plan
from oc_console.runbook.links import params_from, runbook_for
from oc_console.runbook.loader import RunbookError, parse_runbook
from oc_console.runbook.runner import StepOutcome
from oc_console.sandbox.openclaw_db import STUCK_ORDER
from oc_console.sandbox.runner import Sandbox
from oc_console.services.console import Console

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox(previews_sandbox: Sandbox) -> Sandbox:
    return previews_sandbox


@pytest.fixture
def console(previews_console: Console) -> Console:
    return previews_console


async def dry_run(console: Console, ident: str, **params: str) -> list[StepOutcome]:
    book = console.runbooks()[ident]
    run = await console.start_runbook(book, params)

    async def never(*_: object) -> bool:
        raise AssertionError("a dry run asks for no confirmation")

    return [await run.run_step(i, never, lambda _: None, dry_run=True)
            for i in range(len(book.steps))]  # fmt: skip


def statuses(outcomes: list[StepOutcome]) -> list[tuple[str, str]]:
    return [(o.kind, o.status) for o in outcomes]


async def test_oomkilled(console: Console) -> None:
    out = await dry_run(console, "adapter-oomkilled", deployment="openclaw-adapter-amazon")
    assert statuses(out) == [("check", "problem"), ("note", "shown"), ("action", "dry-run"),
                             ("wait", "skipped")]  # fmt: skip
    assert "of 512Mi limit" in out[0].lines[0] and "OOMKilled" in out[0].summary
    assert [r["phase"] for r in records(console.audit.path)] == ["dry-run"]


async def test_crashloop(console: Console) -> None:
    out = await dry_run(console, "adapter-crashloop", deployment="openclaw-adapter-shopee")
    assert statuses(out)[:3] == [("check", "problem"), ("check", "problem"), ("check", "ok")]
    assert "CrashLoopBackOff" in out[0].summary
    assert any("ShopSyncPolicy" in line for line in out[1].lines)  # the crashed container's log
    assert statuses(out)[4] == ("action", "dry-run") and "revision" in out[4].summary


async def test_webhook_secret_encoded_twice_without_showing_it(console: Console) -> None:
    out = await dry_run(console, "webhook-signature-mismatch", deployment="openclaw-adapter-tiktok")
    assert out[0].status == "problem" and "encoded twice" in out[0].summary
    assert out[1].status == "dry-run" and "after: sha256:" in "\n".join(out[1].lines)
    shown = " ".join(o.summary + " ".join(o.lines) for o in out)
    assert "whsec_" not in shown and "sha256:" in shown


async def test_pool_exhaustion_finds_owner_and_sessions(console: Console) -> None:
    out = await dry_run(console, "pool-exhaustion", application_name="openclaw-adapter-amazon",
                        minutes="0")  # fmt: skip
    assert out[0].status == "problem" and "openclaw/openclaw-adapter-amazon" in out[0].summary
    assert out[1].status == "problem" and "idle in transaction" in out[1].summary
    assert out[3].status == "dry-run" and out[3].summary.startswith("120 targets")
    # the restart's target is the owner the first check found
    assert out[4].status == "dry-run" and "openclaw/openclaw-adapter-amazon" in out[4].summary


async def test_cert_expiry(console: Console) -> None:
    out = await dry_run(console, "cert-expiry", certificate="openclaw-api-tls")
    assert out[0].status == "problem" and "expires in" in out[0].summary
    assert out[2].status == "dry-run" and "ManuallyTriggered" in "\n".join(out[2].lines)


async def test_order_sync_failed(console: Console) -> None:
    out = await dry_run(console, "order-sync-failed", order_id=STUCK_ORDER)
    assert out[0].status == "problem" and "failed" in out[0].summary
    request = "\n".join(out[2].lines)
    assert "POST http://127.0.0.1:" in request and "Bearer <redacted>" in request


async def run_saying_yes(console: Console, ident: str, **params: str) -> tuple[
    list[StepOutcome], list[Sequence[Plan]]
]:  # fmt: skip
    """A real run (no dry run) answering yes to every confirmation, as `--yes` does."""
    book = console.runbooks()[ident]
    run = await console.start_runbook(book, params)
    asked: list[Sequence[Plan]] = []

    async def yes(plans: Sequence[Plan]) -> bool:
        asked.append(plans)
        return True

    out = []
    for i in range(len(book.steps)):
        out.append(await run.run_step(i, yes, lambda _: None))
        if out[-1].stops:
            break
    return out, asked


async def test_a_check_that_cannot_see_the_target_stops_before_the_action(
    console: Console,
) -> None:
    # the console is pointed at openclaw; the check cannot see kube-system's coredns
    out, asked = await run_saying_yes(console, "adapter-oomkilled", namespace="kube-system",
                                      deployment="coredns")  # fmt: skip
    assert statuses(out) == [("check", "unknown"), ("note", "shown"), ("action", "stopped")]
    assert "cannot see deployment coredns" in out[0].summary
    assert out[2].summary.startswith("not run: step 1 (memory-vs-limit) unknown: cannot see")
    assert asked == [] and records(console.audit.path) == []


async def test_pool_runbook_stops_when_no_deployment_owns_the_sessions(console: Console) -> None:
    out, asked = await run_saying_yes(console, "pool-exhaustion", application_name="psql-by-hand",
                                      minutes="0")  # fmt: skip
    assert statuses(out) == [("check", "unknown"), ("check", "ok"), ("note", "shown"),
                             ("action", "stopped")]  # fmt: skip
    assert "no Deployment in namespace openclaw owns the sessions of psql-by-hand" in out[0].summary
    assert "step 1 (pool-owner)" in out[3].summary
    assert asked == [] and records(console.audit.path) == []


async def test_memory_near_the_limit_with_no_kill_is_a_problem(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The analysis's threshold, from the config: coupang's working set (about 35 % of its
    limit, never OOMKilled) is "near" at 30 %, and the check says so as the finding does."""
    near = console_for(sandbox, tmp_path / "audit.jsonl",
                       **{"prometheus.thresholds.memory_ratio_warning": 0.3})  # fmt: skip
    try:
        snap = await near.fresh()
        found = {f.id for f in snap.findings_for("openclaw/openclaw-adapter-coupang")}
        out = await dry_run(near, "adapter-oomkilled", deployment="openclaw-adapter-coupang")
    finally:
        await near.close()
    assert "memory-near-limit" in found and "adapter-oomkilled" not in found
    assert out[0].status == "problem" and "no kill yet" in out[0].summary
    assert "(threshold 30%)" in out[0].summary and "of 768Mi limit" in out[0].lines[0]


async def test_memory_well_under_the_limit_is_ok_and_says_how_far(console: Console) -> None:
    out = await dry_run(console, "adapter-oomkilled", deployment="openclaw-adapter-coupang")
    assert out[0].status == "ok" and "working set at most" in out[0].summary
    assert "(threshold 90%)" in out[0].summary


async def test_the_first_check_never_says_ok_about_the_finding_that_opened_it(
    console: Console,
) -> None:
    snap = await console.fresh()
    books = console.runbooks()
    judged = {}
    for finding in snap.findings:
        book = runbook_for(finding, books)
        if book is None:
            continue
        try:
            run = await console.start_runbook(book, params_from(finding, book, snap))
        except RunbookError:  # the operator names the target (an adapter's error rate: which
            continue  # order?), so its check is about their choice, not about the finding
        first = await run.run_step(0, _never, lambda _: None, dry_run=True)
        judged[(finding.id, finding.subject)] = (first.status, first.summary)
    assert len(judged) >= 12, judged
    assert {k: v for k, v in judged.items() if v[0] != "problem"} == {}


async def _never(*_: object) -> bool:
    raise AssertionError("a dry run asks for no confirmation")


async def test_a_step_on_many_targets_confirms_them_all_at_once(console: Console) -> None:
    book = console.runbooks()["pool-exhaustion"]
    run = await console.start_runbook(book, {"application_name": "openclaw-adapter-amazon",
                                             "minutes": "0"})  # fmt: skip
    asked: list[Sequence[Plan]] = []

    async def no(plans: Sequence[Plan]) -> bool:
        asked.append(plans)
        assert run.asking == tuple(plans)  # exposed for the CLI while it asks
        return False

    for i in range(4):
        out = await run.run_step(i, no, lambda _: None)
    assert out.status == "refused" and out.reason == "declined"
    pids = {plan.action.target.name for plan in asked[0]}
    assert len(asked) == 1 and len(asked[0]) == len(pids) == 120
    declined = [r for r in records(console.audit.path) if r["phase"] == "refused"]
    assert len(declined) == 120 and {r["target"]["name"] for r in declined} == pids
    assert run.status_line() == "stopped at 4: declined"


async def test_a_manual_fix_the_check_already_sees_is_not_asked_again(
    action_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A key already right: nothing to unwrap, the check after it finds the key encoded
    once, so the manual step is done without a question and nobody is asked anything."""
    fixed = console_for(action_sandbox, tmp_path / "audit.jsonl")
    try:
        book = fixed.runbooks()["webhook-signature-mismatch"]
        run = await fixed.start_runbook(book, {"deployment": "openclaw-adapter-tiktok"})
        out = [await run.run_step(i, _never, lambda _: None) for i in range(4)]
    finally:
        await fixed.close()
    assert statuses(out) == [("check", "ok"), ("action", "ok"), ("check", "ok"), ("note", "done")]
    assert out[1].summary == "nothing to act on"
    assert (
        "yes: step 3 found it so: openclaw-adapter-tiktok reads TIKTOK_WEBHOOK_SECRET"
        in (out[3].lines[0])
    )


async def test_declining_the_rewrite_stops_the_run(console: Console) -> None:
    book = console.runbooks()["webhook-signature-mismatch"]
    run = await console.start_runbook(book, {"deployment": "openclaw-adapter-tiktok"})

    async def no(*_: object) -> bool:
        return False

    out = [await run.run_step(i, no, lambda _: None) for i in range(2)]
    assert statuses(out) == [("check", "problem"), ("action", "refused")]
    assert run.status_line() == "stopped at 2: declined"
    (refused,) = records(console.audit.path)
    assert refused["target"]["from"].startswith("sha256:") and "whsec_" not in str(refused)


WITHOUT_NEEDS = """\
id: two-checks
title: Two checks, an action that names no needs
params:
  deployment: {description: "the adapter"}
  other: {description: "another Deployment"}
  elsewhere: {description: "its namespace"}
steps:
  - check: memory-vs-limit
    title: Memory of {deployment}
    with: {namespace: openclaw, deployment: "{deployment}"}
  - check: last-termination
    title: Terminations of {other}
    with: {namespace: "{elsewhere}", deployment: "{other}"}
  - action: restart
    title: Restart {deployment}
    with: {namespace: openclaw, deployment: "{deployment}"}
"""


async def test_an_action_without_needs_needs_every_check_before_it(console: Console) -> None:
    book = parse_runbook(WITHOUT_NEEDS, "two-checks.yaml")
    params = {"deployment": "openclaw-adapter-amazon", "other": "coredns",
              "elsewhere": "kube-system"}  # fmt: skip
    run = await console.start_runbook(book, params)
    out = [await run.run_step(i, _never, lambda _: None) for i in range(3)]
    assert statuses(out) == [("check", "problem"), ("check", "unknown"), ("action", "stopped")]
    assert "step 2 (last-termination) unknown: cannot see deployment coredns" in out[2].summary
    assert records(console.audit.path) == []
