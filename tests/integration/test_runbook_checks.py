"""Every shipped runbook dry-run on the sandbox with every scenario: each check judges what the
scenario broke, each action previews, and nothing but dry-run audit records is written."""

from __future__ import annotations

import pytest
from action_fixtures import records

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
    shown = " ".join([out[0].summary, *out[0].lines])
    assert "whsec_" not in shown and "sha256:" in shown


async def test_pool_exhaustion_finds_owner_and_sessions(console: Console) -> None:
    out = await dry_run(console, "pool-exhaustion", application_name="openclaw-adapter-amazon",
                        minutes="0")  # fmt: skip
    assert out[0].status == "ok" and "openclaw/openclaw-adapter-amazon" in out[0].summary
    assert out[1].status == "problem" and "idle in transaction" in out[1].summary
    assert out[3].status == "dry-run" and out[3].summary.startswith("120 targets")


async def test_cert_expiry(console: Console) -> None:
    out = await dry_run(console, "cert-expiry", certificate="openclaw-api-tls")
    assert out[0].status == "problem" and "expires in" in out[0].summary
    assert out[2].status == "dry-run" and "ManuallyTriggered" in "\n".join(out[2].lines)


async def test_order_sync_failed(console: Console) -> None:
    out = await dry_run(console, "order-sync-failed", order_id=STUCK_ORDER)
    assert out[0].status == "problem" and "failed" in out[0].summary
    request = "\n".join(out[2].lines)
    assert "POST http://127.0.0.1:" in request and "Bearer <redacted>" in request
