"""The runbooks' check on a cert-manager Certificate: Ready, not due for renewal, and renewing
early enough for the policy, judged as the certificate findings judge it."""

from __future__ import annotations

from oc_console.domain.durations import human_duration
from oc_console.runbook.check_context import CheckContext, CheckResult, unknown
from oc_console.sanitize import clean


async def certificate(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    snap = await ctx.facts.fresh()
    if snap.fleet is None:
        return unknown("cannot see certificates (Kubernetes source)")
    key = (args["namespace"], args["certificate"])
    cert = next((c for c in snap.fleet.certificates if (c.namespace, c.name) == key), None)
    if cert is None:
        return unknown(f"cannot see certificate {args['namespace']}/{args['certificate']}")
    left = cert.remaining(snap.generated_at)
    t = ctx.env.config.kubernetes.thresholds
    # the same window the analysis judges by: the Certificate's renewBefore, at least the policy
    policy = t.renew_before_policy
    window = max(cert.renew_before or policy, policy)
    lines = (
        f"notAfter {cert.not_after.isoformat() if cert.not_after else 'none'}",
        f"Ready {cert.ready}, issuing {cert.issuing}",
        "renewBefore "
        + (human_duration(cert.renew_before.total_seconds()) if cert.renew_before else "unset"),
    )
    if cert.ready is not True:
        return CheckResult(
            "problem", f"certificate {cert.name} is not Ready: {clean(cert.reason or '')}", lines
        )
    if left is not None and left <= window:
        soon = human_duration(left.total_seconds())
        return CheckResult("problem", f"certificate {cert.name} expires in {soon}", lines)
    if cert.managed and cert.renew_before is not None and not t.policy_ok(cert):
        early, floor = cert.renew_before.total_seconds(), policy.total_seconds()
        summary = (
            f"certificate {cert.name} renews only {human_duration(early)} before expiry, "
            f"below the {human_duration(floor)} policy"
        )
        return CheckResult("problem", summary, lines)
    return CheckResult("ok", f"certificate {cert.name} is Ready and not due for renewal", lines)
