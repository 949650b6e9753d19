"""The platform's rule "webhook secrets never sit in a ConfigMap", checked.

A ConfigMap key whose name looks like a credential (`*secret*`, `*token*`, `*password*`,
`*_key`, `webhook*`), or whose value looks like one (a long random string), in the watched
namespaces. The source recognises them while decoding and hands over key NAMES only: a value
is never kept, so none can reach a finding, a screen or a log.
"""

from __future__ import annotations

from oc_console.domain.findings import Finding, Severity, Target, Urgency
from oc_console.domain.kube import ConfigObject, FleetSnapshot

RULE = "configmap-credential"
WHERE_IT_BELONGS = (
    "Credentials belong in a Secret, written by External Secrets from the KMS, not in a "
    "ConfigMap that anyone who can read the namespace's configuration can read."
)


def config_secret_findings(fleet: FleetSnapshot) -> list[Finding]:
    """One WARNING per ConfigMap that holds keys that look like credentials."""
    return [
        _finding(c) for c in fleet.config_objects if c.kind == "ConfigMap" and c.credential_keys
    ]


def _finding(config: ConfigObject) -> Finding:
    names = [name for name, _ in config.credential_keys]
    shown = ", ".join(names)
    plural = "keys that look" if len(names) > 1 else "a key that looks"
    evidence = tuple(f"key {name}: {why}" for name, why in config.credential_keys)
    return Finding(
        RULE,
        Severity.WARNING,
        f"{config.namespace}/{config.name}",
        f"ConfigMap {config.namespace}/{config.name} holds {plural} like a credential: {shown}",
        (*evidence, WHERE_IT_BELONGS),
        urgency=Urgency.LATER,
        target=Target("ConfigMap", config.namespace, config.name),
    )
