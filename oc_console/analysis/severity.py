"""How bad one thing is, read from the findings the analysis already made.

Screens colour an adapter, a pod, a certificate or a memory series by these verdicts instead of
re-deciding them with thresholds of their own, so the screen and `check` always agree and both
follow the configured thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from oc_console.domain.findings import Finding, Severity


def about(findings: Iterable[Finding], subject: str) -> list[Finding]:
    """The findings whose subject is `subject` (`namespace/name` of an adapter or a
    certificate, or `postgres`)."""
    return [f for f in findings if f.subject == subject]


def names(finding: Finding, name: str) -> bool:
    """Does `finding` name the object `name` (a pod) in its summary or evidence? Evidence
    lines start with `pod/container:` or `pod:`; a summary says `Pod <name> ...`."""
    pattern = re.compile(rf"(?:^|[\s(]){re.escape(name)}(?=[/:\s,)]|$)")
    return bool(pattern.search(finding.summary)) or any(
        pattern.search(line) for line in finding.evidence
    )


def worst(findings: Iterable[Finding], ids: Collection[str] = ()) -> Severity:
    """The worst severity among `findings` (only those with an id in `ids`, when given)."""
    return max(
        (f.severity for f in findings if not ids or f.id in ids),
        default=Severity.OK,
    )


def of_subject(findings: Iterable[Finding], subject: str, ids: Collection[str] = ()) -> Severity:
    return worst(about(findings, subject), ids)


def of_object(
    findings: Iterable[Finding], subject: str, name: str, ids: Collection[str] = ()
) -> Severity:
    """The worst finding about `subject` that names `name` (one pod of an adapter)."""
    return worst((f for f in about(findings, subject) if names(f, name)), ids)
