"""Ties what paged the engineer to what explains it.

A firing alert is explained by a finding when the alert's name maps to that finding's rule (a
configurable table: teams name their alerts their own way) and the alert's labels point at the
finding's subject: the same namespace, deployment, pod or platform. An alert no finding explains
is itself a warning: Alertmanager sees something the console cannot, and "all green" on the
console would be a false OK.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta

from oc_console.domain.alerts import Alert, AlertMatch
from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, Severity

# The alerts a team would write for OpenClaw (the sandbox ships these rules), and the console
# rules that explain each one; `alertmanager.findings` in the config adds or overrides names.
DEFAULT_ALERT_FINDINGS: dict[str, tuple[str, ...]] = {
    "AdapterOOMKilled": ("adapter-oomkilled", "memory-near-limit"),
    "AdapterHighErrorRate": (
        "adapter-error-rate",
        "adapter-crashloop",
        "adapter-unavailable",
        "rollout-stuck",
    ),
    "AdapterThrottled": ("adapter-throttled",),
    "QueueBacklog": ("queue-backlog",),
    "PoolIdleInTransaction": (
        "pool-idle-in-transaction",
        "pool-long-idle-transaction",
        "pool-saturation",
    ),
    "CertExpiringSoon": ("cert-expiring", "cert-not-ready", "cert-renew-before-policy"),
    "WebhookSignatureMismatch": ("webhook-signature-mismatch",),
}

# The labels that locate an alert, by the name the console gives them.
LOCATING = ("namespace", "deployment", "pod", "platform", "certificate")


def _located(alert: Alert, renames: Mapping[str, str]) -> dict[str, str]:
    """The alert's locating labels, under the console's names."""
    out: dict[str, str] = {}
    for name, value in alert.labels:
        name = renames.get(name, name)
        if name in LOCATING:
            out[name] = value
    return out


def _agrees(dimension: str, value: str, namespace: str, name: str) -> bool:
    if dimension == "namespace":
        return value == namespace
    if dimension == "pod":
        return value.startswith(f"{name}-")
    if dimension == "platform":
        return name == value or name.endswith(f"-{value}")
    return value == name  # deployment, certificate


def _points_at(where: Mapping[str, str], subject: str) -> bool:
    """Whether the alert's labels agree with a finding's `namespace/name` subject. A finding
    about something outside Kubernetes ("postgres") has no such parts to disagree with."""
    if "/" not in subject:
        return True
    namespace, _, name = subject.partition("/")
    return all(_agrees(k, v, namespace, name) for k, v in where.items())


# How long a page whose finding cleared reads "resolving": Alertmanager's resolve, after the
# rule's own `for:` and the group interval, takes minutes; after this it is unexplained again.
RESOLVING_WINDOW = timedelta(minutes=15)


class ClearedFindings:
    """When each finding was last seen, so a page whose finding just cleared (the runbook
    fixed the pool) reads "resolving", not "unexplained", while Alertmanager catches up."""

    def __init__(self, window: timedelta = RESOLVING_WINDOW) -> None:
        self.window = window
        self._seen: dict[tuple[str, str], tuple[Finding, datetime]] = {}

    def update(self, findings: list[Finding], now: datetime) -> list[tuple[Finding, datetime]]:
        """Remember `findings` as seen `now`; the ones that cleared within the window, each
        with the last moment it was seen."""
        current = {(f.id, f.subject) for f in findings}
        for f in findings:
            self._seen[(f.id, f.subject)] = (f, now)
        for key in [k for k, (_, at) in self._seen.items() if now - at > self.window]:
            del self._seen[key]
        return [(f, at) for key, (f, at) in self._seen.items() if key not in current]


def match_alerts(
    alerts: tuple[Alert, ...] | list[Alert],
    findings: tuple[Finding, ...] | list[Finding],
    *,
    alert_findings: Mapping[str, tuple[str, ...] | list[str]] = DEFAULT_ALERT_FINDINGS,
    label_renames: Mapping[str, str] | None = None,
    cleared: list[tuple[Finding, datetime]] | None = None,
) -> tuple[AlertMatch, ...]:
    """One match per alert, worst alert first; each finding picked is the worst candidate.
    An alert whose name maps to no rule is unexplained: a guess by labels alone could call
    "inventory feed stale" explained by an unrelated finding on the same platform. An alert
    only a `cleared` finding explains is resolving, with the moment that finding cleared."""
    renames = label_renames or {}
    ranked = sorted(findings, key=lambda f: -f.severity)
    out = []
    for alert in sorted(alerts, key=lambda a: a.rank):
        rules = alert_findings.get(alert.alertname, ())
        where = _located(alert, renames)
        found = next((f for f in ranked if f.id in rules and _points_at(where, f.subject)), None)
        gone = None
        if found is None:
            gone = max(
                (at for f, at in cleared or () if f.id in rules and _points_at(where, f.subject)),
                default=None,
            )
        out.append(AlertMatch(alert, found, cleared_at=gone))
    return tuple(out)


def annotate(findings: list[Finding], matches: tuple[AlertMatch, ...]) -> list[Finding]:
    """Findings that page carry the names of the alerts they explain."""
    pages: dict[int, list[str]] = {}
    for m in matches:
        if m.finding is not None and m.alert.firing:
            names = pages.setdefault(id(m.finding), [])
            if m.alert.alertname not in names:
                names.append(m.alert.alertname)
    return [
        dataclasses.replace(f, pages=tuple(pages[id(f)])) if id(f) in pages else f for f in findings
    ]


def unexplained_findings(matches: tuple[AlertMatch, ...], now: datetime) -> list[Finding]:
    """A warning for each firing alert nothing explains."""
    out = []
    for m in matches:
        if m.finding is not None or m.cleared_at is not None or not m.alert.firing:
            continue  # explained, or resolving: its finding just cleared
        a = m.alert
        labels = ", ".join(f"{k}={v}" for k, v in a.labels if k != "alertname")
        firing = human_duration((now - a.starts_at).total_seconds())
        out.append(
            Finding(
                id="alert-unexplained",
                severity=Severity.WARNING,
                subject=f"alert/{a.alertname}",
                summary=f"Alertmanager pages {a.alertname} (firing {firing}) and nothing the "
                "console sees explains it: look where the console cannot.",
                evidence=tuple(
                    e
                    for e in (
                        f"labels: {labels}" if labels else "",
                        f"severity {a.severity}",
                        a.summary,
                    )
                    if e
                ),
                pages=(a.alertname,),
                since=a.starts_at,
            )
        )
    return out
