"""The webhook runbook's own checks: whether the webhook secret was base64-encoded twice, where
an adapter's webhook key comes from and whether it is right, and whether its logs have stayed
free of signature mismatches long enough.

Fingerprints only (webhook_key.py): a key's value is never returned, shown or logged."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from oc_console.domain.external_secrets import EXTERNAL_SECRET_KIND, ExternalSecretState
from oc_console.runbook.actions.base import ActionStop, Target
from oc_console.runbook.actions.rollout import get_deployment
from oc_console.runbook.check_context import CheckContext, CheckResult, unknown
from oc_console.runbook.webhook_key import (
    KeySource,
    b64decode,
    decoded_again,
    expected,
    fingerprint,
    locate,
)
from oc_console.sanitize import clean

QUIET_SECONDS = 60.0  # no new mismatch for this long after the restart: the fix holds


def env_name(ctx: CheckContext, deployment: str) -> str:
    """<PLATFORM>_WEBHOOK_SECRET, the platform read with the configured adapter pattern."""
    match = re.match(ctx.env.config.kubernetes.adapter_pattern, deployment)
    platform = match.group("platform") if match else ""
    return f"{platform.upper().replace('-', '_')}_WEBHOOK_SECRET" if platform else ""


async def _managed_by(
    ctx: CheckContext, ns: str, secret: dict[str, Any]
) -> tuple[ExternalSecretState | None, str]:
    """The ExternalSecret writing this Secret (by its owner reference or its target), and
    what to say when the console cannot tell."""
    owner = next((r for r in (secret.get("metadata") or {}).get("ownerReferences") or ()
                  if r.get("kind") == "ExternalSecret"), None)  # fmt: skip
    name = secret["metadata"]["name"]
    fleet = (await ctx.facts.fresh()).fleet
    if fleet is None:
        return None, "cannot see ExternalSecrets (Kubernetes source)"
    found = next((e for e in fleet.external_secrets if e.namespace == ns and
                  (e.name == (owner or {}).get("name") or e.target == name)), None)  # fmt: skip
    if found is None and not fleet.can_see(EXTERNAL_SECRET_KIND, ns):
        return None, f"cannot see ExternalSecrets in {ns}: not known whether one writes {name}"
    if found is None and owner is not None:
        return None, f"written by ExternalSecret {owner.get('name')}, which cannot be read"
    return found, ""


def _sync_line(es: ExternalSecretState, key: str) -> str:
    ref = es.ref_for(key)
    where = f"{es.store}, remote key {ref.key}" if ref else es.store
    where += f" property {ref.property}" if ref and ref.property else ""
    state = "synced" if not es.failing else f"NOT synced ({es.reason or 'not Ready'})"
    when = es.refreshed_at.strftime("%Y-%m-%d %H:%M:%SZ") if es.refreshed_at else "never"
    message = f": {clean(es.message)}" if es.failing and es.message else ""
    return f"written by ExternalSecret {es.name} from {where}; {state}, last sync {when}{message}"


# 16 hex digits, as vm_checks.py shows the same check's key on a VM (webhook_key.py's
# shorter fingerprint is the key-source check's)
def _fingerprint(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


async def webhook_secret(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """Was the webhook secret base64-encoded twice? Fingerprints only, never the value."""
    ns, name = args["namespace"], args["secret"]
    key = args.get("key") or env_name(ctx, args.get("deployment", ""))
    if not key:
        return unknown(f"deployment {args.get('deployment')} does not name an adapter platform")
    if ctx.env.docker is not None:  # a VM: the key is in the service's environment
        from oc_console.runbook.vm_checks import compose_secret

        return await compose_secret(ctx, ns, args.get("deployment", ""), key)
    try:
        secret: dict[str, Any] = await ctx.env.kcall(
            "GET", f"/api/v1/namespaces/{ns}/secrets/{name}", verb="get", resource="secrets",
            namespace=ns,
        )  # fmt: skip
    except ActionStop as exc:
        return unknown(f"cannot read Secret {ns}/{name}: {exc}")
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return CheckResult("problem", f"Secret {ns}/{name} has no key {key}")
    once = b64decode(raw.encode()) or b""
    twice = b64decode(once)
    lines = [f"{key} as stored (decoded once): {_fingerprint(once)}, {len(once)} bytes"]
    # a key encoded twice decodes a second time into printable text; a real key's raw bytes
    # (or text with '_' or '-') do not
    if twice is not None and len(twice) >= 8 and twice.isascii() and twice.decode().isprintable():
        lines.append(f"decoded twice: {_fingerprint(twice)}, {len(twice)} bytes")
        return CheckResult(
            "problem",
            f"{key} in Secret {name} is base64-encoded twice: the adapter signs with wrong bytes",
            tuple(lines),
        )
    return CheckResult("ok", f"{key} in Secret {name} is encoded once", tuple(lines))


async def secret_source(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """Where the adapter's webhook key comes from (a Secret, one an ExternalSecret writes and
    its sync state, or wrongly a ConfigMap or an inline value), and whether that key is the
    one the platform signs with. Rows (`rows` picks one kind for an action's for_each): the
    plain Secret to unwrap when it is encoded twice, the ExternalSecret to refresh when one
    writes it."""
    ns, name = args["namespace"], args["deployment"]
    if ctx.env.docker is not None:  # a VM: the key is in the service containers' environment
        from oc_console.runbook.vm_checks import compose_secret

        return await compose_secret(ctx, ns, name, args.get("key") or env_name(ctx, name))
    try:
        deployment = await get_deployment(ctx.env, Target("deployment", name, ns))
    except ActionStop as exc:
        return CheckResult("unknown", f"cannot read deployment {ns}/{name}: {exc}")
    source = locate(deployment, args.get("key") or env_name(ctx, name))
    want = expected(deployment)
    wants = f"{name} expects {want}" if want else f"{name} names no expected fingerprint"
    if source is None:
        return CheckResult("problem", f"{name} reads no webhook key from env, envFrom or a volume")
    if source.kind != "Secret":
        return CheckResult(
            "problem",
            f"{name} reads its webhook key from {source.describe()}: it belongs in a Secret "
            "written by External Secrets from the KMS",
            (wants,),
        )
    rows_of = args.get("rows", "")  # an action's for_each: "unwrap" or "refresh"
    return await _judge_secret(ctx, ns, name, source, want, wants, rows_of)


async def _judge_secret(
    ctx: CheckContext, ns: str, name: str, source: KeySource, want: str | None, wants: str,
    rows_of: str,
) -> CheckResult:  # fmt: skip
    try:
        secret: dict[str, Any] = await ctx.env.kcall(
            "GET", f"/api/v1/namespaces/{ns}/secrets/{source.name}", verb="get",
            resource="secrets", namespace=ns,
        )  # fmt: skip
    except ActionStop as exc:
        return CheckResult("unknown", f"cannot read Secret {ns}/{source.name}: {exc}")
    es, blind = await _managed_by(ctx, ns, secret)
    lines = [f"from {source.describe()}", _sync_line(es, source.key) if es else
             (blind or "a plain Secret: no ExternalSecret writes it"), wants]  # fmt: skip
    raw = (secret.get("data") or {}).get(source.key)
    once = b64decode(raw) if isinstance(raw, str) else None
    del secret, raw  # the value goes no further than this function
    if once is None:
        return CheckResult("problem", f"Secret {source.name} has no key {source.key}", tuple(lines))
    twice = decoded_again(once)
    held = fingerprint(once)
    lines.append(f"{source.key} as the adapter reads it: {held}, {len(once)} bytes")
    rows: list[dict[str, str]] = []
    if es is not None and rows_of in ("", "refresh"):
        rows.append({"externalsecret": es.name, "secret": source.name, "key": source.key})
    if twice is not None:
        lines.append(f"decoded once more: {fingerprint(twice)}, {len(twice)} bytes")
        if es is None and not blind and rows_of in ("", "unwrap"):
            rows.append({"secret": source.name, "key": source.key})
        fix = "fix it in the store" if es is not None else "remove one layer"
        summary = f"{source.key} in Secret {source.name} is base64-encoded twice ({fix})"
        return CheckResult("problem", summary, tuple(lines), tuple(rows))
    if want is not None and held != want:
        summary = f"{source.key} in Secret {source.name} is not the key the platform signs with"
        return CheckResult("problem", summary, tuple(lines), tuple(rows))
    if es is not None and es.failing:
        summary = (
            f"Secret {source.name} is written by ExternalSecret {es.name}, which is not synced"
        )
        return CheckResult("problem", summary, tuple(lines), tuple(rows))
    where = f", written by ExternalSecret {es.name}" if es else ""
    return CheckResult(
        "ok", f"{name} reads {source.key} from Secret {source.name}{where}: encoded once"
        + (", the expected key" if want else ""), tuple(lines),
        # right already: nothing to unwrap or refresh
    )  # fmt: skip


def _when(ts: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(ts) if ts else None
    except ValueError:
        return None


async def quiet(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    """No new signature mismatch in the adapter's logs for `seconds` (60 by default): the
    newest of its running pods' start and their last mismatch line is that long ago."""
    ns, name = args["namespace"], args["deployment"]
    seconds = float(args.get("seconds") or QUIET_SECONDS)
    snap = await ctx.facts.fresh()
    fleet = snap.fleet
    adapter = next((a for a in fleet.adapters if (a.namespace, a.name) == (ns, name)), None) \
        if fleet else None  # fmt: skip
    if fleet is None or adapter is None:
        return CheckResult("unknown", f"cannot see deployment {ns}/{name} (Kubernetes source)")
    pods = [p for p in fleet.pods_of(adapter) if not p.deleting and p.ready]
    if not pods:
        return CheckResult("problem", f"no ready pod of {name} yet")
    last = max((p.created for p in pods if p.created), default=None)
    hits = 0
    for pod in pods:
        container = next(iter(pod.app_containers), None)
        if container is None:
            continue
        try:
            lines = await ctx.facts.log_tail(ns, pod.name, container.name, tail=500)
        except Exception as exc:
            return CheckResult("unknown", f"cannot read the log of {pod.name}: {clean(str(exc))}")
        for line in lines:
            at = _when(line.ts) if line.signature_mismatch else None
            if at is not None:
                hits += 1
                last = max(last, at) if last else at
    now = datetime.now(UTC)
    calm = (now - last).total_seconds() if last else seconds
    said = f"{hits} mismatch line(s) in the last 500 of {len(pods)} pod(s)"
    if calm >= seconds:
        return CheckResult("ok", f"no new signature mismatch in {name} for {calm:.0f}s", (said,))
    return CheckResult("problem", f"quiet for {calm:.0f}s of {seconds:g}s", (said,))
