"""The runbooks' checks that read a VM's Docker Engine rather than the cluster: the webhook
secret, which on a VM is in the environment of the service's containers (compose
`environment:` or `env_file:`), judged by its fingerprint as the Kubernetes Secret is."""

from __future__ import annotations

import base64
import binascii
import hashlib

from oc_console.runbook.actions.base import ActionStop
from oc_console.runbook.actions.compose import service_env
from oc_console.runbook.check_context import CheckContext, CheckResult


def fingerprint(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def b64(data: bytes) -> bytes | None:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _judge_secret(value: bytes, key: str, where: str) -> CheckResult:
    """`value` as the adapter reads it: text that decodes from base64 into printable text
    again was encoded once too often."""
    twice = b64(value)
    lines = [f"{key} as the adapter reads it: {fingerprint(value)}, {len(value)} bytes"]
    if twice is not None and len(twice) >= 8 and twice.isascii() and twice.decode().isprintable():
        lines.append(f"decoded once more: {fingerprint(twice)}, {len(twice)} bytes")
        return CheckResult("problem", f"{key} in {where} is base64-encoded twice: the adapter "
                           "signs with wrong bytes", tuple(lines))  # fmt: skip
    return CheckResult("ok", f"{key} in {where} is encoded once", tuple(lines))


async def compose_secret(ctx: CheckContext, project: str, service: str, key: str) -> CheckResult:
    """The key in the environment of the service's containers (compose `environment:` or
    `env_file:`), read from inspect and judged by its fingerprint, never kept."""
    try:
        found = await service_env(ctx.env, project, service, key)
    except ActionStop as exc:
        why = f"cannot read the environment of service {project}/{service}: {exc}"
        return CheckResult("unknown", why)
    if not found:
        return CheckResult("unknown", f"no container of service {service} in project {project}")
    missing = [name for name, value in found if value is None]
    if missing:
        return CheckResult("problem", f"{', '.join(missing)} has no {key} in its environment")
    values = {value for _, value in found if value is not None}
    if len(values) > 1:  # containers of one service disagree: some were not recreated
        why = f"hold {len(values)} different {key} values: recreate them from the compose file"
        return CheckResult("problem", f"the containers of {service} {why}")
    return _judge_secret(values.pop(), key, f"the environment of {project}/{service}")
