"""The webhook-signature-mismatch runbook walked for real on the sandbox's `webhook` scenario:
its first check says where the adapter's key comes from; a twice-encoded key in a plain Secret
is rewritten one layer down through the engine and verified by the fingerprint the Deployment
expects; a key an ExternalSecret writes is fixed in the store and refreshed with force-sync;
then the restart and the logs quiet for a (shortened) while. No key value reaches a step's
output, the audit log or the Events; the real kubectl switches the adapter to the
ExternalSecret's Secret as an operator would."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from action_fixtures import console_for, records
from kube_fixtures import Kubectl

from oc_console.runbook.engine import Plan
from oc_console.runbook.runner import StepOutcome
from oc_console.sandbox.kube.external_secrets import SIGNING_KEYS, b64, fingerprint
from oc_console.sandbox.runner import Sandbox, parse_scenarios

pytestmark = pytest.mark.integration
TIKTOK = "openclaw-adapter-tiktok"
KEY = SIGNING_KEYS["tiktok"]
SECRET_VALUES = (KEY, b64(KEY), b64(b64(KEY)))


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(parse_scenarios("webhook"), tmp_path / "sb", use_prometheus=False)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


async def walk(sandbox: Sandbox, audit: Path, answer: bool = True) -> list[StepOutcome]:
    console = console_for(sandbox, audit)
    asked: list[str] = []
    try:
        book = console.runbooks()["webhook-signature-mismatch"]
        run = await console.start_runbook(book, {"deployment": TIKTOK, "quiet_seconds": "2"})

        async def confirm(plans: Sequence[Plan]) -> bool:
            asked.extend(p.preview.detail for p in plans)
            return answer

        async def ask(question: str) -> bool:
            asked.append(question)
            return True

        out = []
        for i in range(len(book.steps)):
            step = await run.run_step(i, confirm, asked.append, ask=ask)
            out.append(step)
            if step.stops:
                break
    finally:
        await console.close()
    _never_shown(" ".join([*asked, *(o.summary + " ".join(o.lines) for o in out)]))
    _never_shown(audit.read_text() if audit.exists() else "")
    return out


def _never_shown(text: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text


def _secret_key(kubectl: Kubectl, name: str) -> bytes:
    data = kubectl.json("get", "secret", name, "-n", "openclaw")["data"]
    return base64.b64decode(data["TIKTOK_WEBHOOK_SECRET"])


def _read_from_external_secret(kubectl: Kubectl) -> None:
    """The adapter moved to the Secret External Secrets writes, as an operator does it."""
    source = "secret/openclaw-adapter-tiktok-webhook"
    kubectl.run("set", "env", f"deployment/{TIKTOK}", "-n", "openclaw",
                "--keys", "TIKTOK_WEBHOOK_SECRET", "--from", source)  # fmt: skip


def statuses(out: list[StepOutcome]) -> list[tuple[str, str]]:
    return [(o.kind, o.status) for o in out]


async def test_a_twice_encoded_plain_secret_is_unwrapped_then_restarted_until_quiet(
    webhook: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    out = await walk(webhook, audit)
    assert "from Secret openclaw-webhook-secrets key TIKTOK_WEBHOOK_SECRET" in out[0].lines[0]
    assert "a plain Secret" in out[0].lines[1]
    assert out[0].status == "problem" and "base64-encoded twice (remove one layer)" in (
        out[0].summary
    )
    assert statuses(out) == [
        ("check", "problem"), ("action", "done"), ("check", "ok"), ("note", "done"),
        ("action", "ok"), ("wait", "ok"), ("action", "done"), ("wait", "ok"), ("wait", "ok"),
    ]  # fmt: skip
    want = f"sha256:{fingerprint(KEY.encode())}"
    assert "the fingerprint the adapter expects" in out[1].summary and want in out[1].summary
    kubectl = Kubectl(webhook.kube.kubeconfig_path, tmp_path)
    assert _secret_key(kubectl, "openclaw-webhook-secrets") == KEY.encode()
    unwrap = [r for r in records(audit) if r["action"] == "unwrap-secret"]
    assert [r["phase"] for r in unwrap] == ["start", "end"] and unwrap[1]["outcome"] == "ok"
    assert unwrap[0]["target"]["to"] == want and "after: " + want in unwrap[0]["preview"]
    events = kubectl.json("get", "events", "-n", "openclaw")["items"]
    marks = [e for e in events if e["reason"] == "OcConsoleAction"
             and e["involvedObject"]["kind"] == "Secret"]  # fmt: skip
    assert [e["involvedObject"]["name"] for e in marks] == ["openclaw-webhook-secrets"]
    _never_shown(json.dumps(events))
    assert "no new signature mismatch" in out[-1].summary


async def test_a_key_external_secrets_writes_is_refreshed_not_rewritten(
    webhook: Sandbox, tmp_path: Path
) -> None:
    kubectl = Kubectl(webhook.kube.kubeconfig_path, tmp_path)
    _read_from_external_secret(kubectl)
    audit = tmp_path / "audit.jsonl"
    out = await walk(webhook, audit)
    first = " ".join(out[0].lines)
    assert (
        "written by ExternalSecret openclaw-adapter-tiktok-webhook from ClusterSecretStore/"
        "openclaw-kms, remote key openclaw/tiktok/webhook-signing-secret" in first
    )
    assert "NOT synced (SecretSyncedError)" in first and "kms:Decrypt" in first
    assert statuses(out) == [
        ("check", "problem"), ("action", "ok"), ("check", "problem"), ("note", "done"),
        ("action", "done"), ("wait", "ok"), ("action", "done"), ("wait", "ok"), ("wait", "ok"),
    ]  # fmt: skip
    assert out[1].summary == "nothing to act on"  # never rewritten under External Secrets
    assert "as expected" in out[4].summary
    assert _secret_key(kubectl, "openclaw-adapter-tiktok-webhook") == KEY.encode()
    es = kubectl.json("get", "externalsecret", "openclaw-adapter-tiktok-webhook", "-n", "openclaw")
    assert es["metadata"]["annotations"]["force-sync"]
    events = json.dumps(kubectl.json("get", "events", "-n", "openclaw"))
    _never_shown(events)


async def test_a_store_still_wrong_fails_the_refresh_before_any_restart(
    webhook: Sandbox, tmp_path: Path
) -> None:
    kubectl = Kubectl(webhook.kube.kubeconfig_path, tmp_path)
    _read_from_external_secret(kubectl)
    webhook.kube.external_store["openclaw/tiktok/webhook-signing-secret"] = b64(KEY)
    out = await walk(webhook, tmp_path / "audit.jsonl")
    assert statuses(out)[-1] == ("action", "failed")
    assert "the store still holds the wrong key" in out[-1].summary
    assert len(out) == 5  # stopped before the restart


async def test_a_key_in_a_configmap_is_named_and_never_restarted_over(
    webhook: Sandbox, tmp_path: Path
) -> None:
    kubectl = Kubectl(webhook.kube.kubeconfig_path, tmp_path)
    leaked = "configmap/openclaw-adapter-tiktok-webhook"
    kubectl.run("set", "env", f"deployment/{TIKTOK}", "-n", "openclaw",
                "--keys", "TIKTOK_WEBHOOK_SECRET", "--from", leaked)  # fmt: skip
    out = await walk(webhook, tmp_path / "audit.jsonl")
    assert out[0].status == "problem" and out[0].summary.startswith(
        f"{TIKTOK} reads its webhook key from ConfigMap openclaw-adapter-tiktok-webhook key "
        "TIKTOK_WEBHOOK_SECRET (env TIKTOK_WEBHOOK_SECRET): it belongs in a Secret"
    )
    assert statuses(out)[-1] == ("wait", "timeout") and len(out) == 6  # no restart
    assert records(tmp_path / "audit.jsonl") == []


def test_the_command_line_walk_shows_and_audits_no_key(tmp_path: Path) -> None:
    """`oc-console runbook run ... --yes` on a sandbox run in the foreground: the key is fixed,
    and no form of it is in the output, the errors or the audit log."""
    cli = [sys.executable, "-m", "oc_console.cli"]
    proc = subprocess.Popen([*cli, "sandbox", "--print-env", "--scenario", "webhook"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    env: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        while "OC_OPENCLAW_TOKEN_FILE" not in env:
            line = proc.stdout.readline()
            assert line, "sandbox exited"
            key, _, value = line.removeprefix("export ").strip().partition("=")
            env[key] = value.strip("'")
        run_env = {**os.environ, **env, "XDG_STATE_HOME": str(tmp_path / "state")}
        done = subprocess.run(
            [*cli, "runbook", "run", "webhook-signature-mismatch", "--yes",
             "--param", f"deployment={TIKTOK}", "--param", "quiet_seconds=2"],
            capture_output=True, text=True, timeout=300, env=run_env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "unwrap-secret" in done.stdout or "one base64 layer" in done.stdout
        _never_shown(done.stdout + done.stderr)
        _never_shown((tmp_path / "state" / "oc-console" / "audit.jsonl").read_text())
        kubectl = Kubectl(Path(env["KUBECONFIG"]), tmp_path)
        assert _secret_key(kubectl, "openclaw-webhook-secrets") == KEY.encode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
