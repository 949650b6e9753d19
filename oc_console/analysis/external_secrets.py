"""The platform's rule "webhook secrets come from a Secret that External Secrets writes from the
KMS", checked where it breaks: an ExternalSecret that is not Ready or whose last sync failed.

Its Secret then holds whatever the last good sync wrote, so a key fixed in the store never
reaches the adapter: a webhook secret out of sync is exactly the double-base64 incident. The
finding names the controller's message, the Secret it should write and the remote keys.

External Secrets not installed (the CRD not served) is no finding. A namespace whose
ExternalSecrets the console may not list is the `cannot-see` finding (analysis/kube.py); a
cluster that serves the group at an older version only (v1beta1, before External Secrets 0.16)
is one here, so neither reads as "all synced".
"""

from __future__ import annotations

from oc_console.domain.external_secrets import (
    EXTERNAL_SECRET_KIND,
    EXTERNAL_SECRETS_GROUP,
    ExternalSecretState,
)
from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import FleetSnapshot

RULE = "externalsecret-not-synced"
READ_VERSION = "v1"  # the version the source lists (sources/kube/external_secrets.py)
WEBHOOK_RUNBOOK = "webhook-signature-mismatch"


def external_secret_findings(fleet: FleetSnapshot) -> list[Finding]:
    findings = [_finding(e) for e in fleet.external_secrets if e.failing]
    old = _only_older_version(fleet)
    if old is not None:
        findings.append(old)
    return findings


def _only_older_version(fleet: FleetSnapshot) -> Finding | None:
    group = next((g for g in fleet.api_groups or () if g.name == EXTERNAL_SECRETS_GROUP), None)
    if group is None or READ_VERSION in group.versions:
        return None
    served = ", ".join(group.versions) or "no version"
    return Finding(
        "cannot-see",
        Severity.WARNING,
        EXTERNAL_SECRET_KIND,
        f"cannot see ExternalSecrets: the cluster serves {EXTERNAL_SECRETS_GROUP} at "
        f"{served}, the console reads {READ_VERSION} (External Secrets 0.16 or later)",
        (f"discovery: {EXTERNAL_SECRETS_GROUP} versions {served}",),
        urgency=Urgency.LATER,
    )


def _finding(es: ExternalSecretState) -> Finding:
    state = "is not Ready" if es.ready is False else "failed its last sync"
    why = f" ({es.reason})" if es.reason else ""
    evidence = [f"writes Secret {es.namespace}/{es.target}"]
    if es.message:
        evidence.append(f"message: {es.message}")
    keys = ", ".join(r.key + (f" ({r.property})" if r.property else "") for r in es.refs)
    evidence.append(f"from {es.store}" + (f", remote key {keys}" if keys else ""))
    when = es.refreshed_at.strftime("%Y-%m-%d %H:%M:%SZ") if es.refreshed_at else "never"
    evidence.append(f"last successful sync: {when}")
    webhook = "webhook" in es.target.lower() or any("webhook" in r.key.lower() for r in es.refs)
    return Finding(
        RULE,
        Severity.WARNING,
        f"{es.namespace}/{es.name}",
        f"ExternalSecret {es.namespace}/{es.name} {state}{why}: Secret {es.target} "
        "keeps its last synced data",
        tuple(evidence),
        runbook=WEBHOOK_RUNBOOK if webhook else None,
        urgency=Urgency.SOON,
        target=Target("ExternalSecret", es.namespace, es.name),
        params=(("namespace", es.namespace),),
    )
