"""Findings: what is wrong, how badly, why, and which runbook fixes it."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum


class Urgency(IntEnum):
    """Within one severity, which finding an on-call engineer reads first: the one that names
    the first move, then harm happening now, harm on a clock, what can wait (no clock running),
    and last the policy (hygiene) findings. Set by the analysis rule that makes the finding."""

    FIRST_MOVE = 0  # names the move that fixes it ("roll it back first")
    NOW = 1  # hurting now: pods down, orders failing, connections exhausted
    SOON = 2  # will hurt on a clock: a certificate's expiry, memory near its limit
    # no clock running: a risk at the next upgrade or renewal, a trickle of failures to clean
    # up, a part of the system the console cannot see
    LATER = 3
    HYGIENE = 4  # policy without harm today: digest pinning, auto-sync, deprecated APIs

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


# The short word for a rule, where a row has room for a word, not a sentence: the fleet strip
# ("lazada unpinned") and the grouped policy row ("digest x2, auto-sync x1").
RULE_WORD: dict[str, str] = {
    "image-not-pinned": "unpinned",
    "argocd-auto-sync": "auto-sync",
    "crd-v1alpha1": "v1alpha1",
    "release-drift": "drift",
    "release-failed": "failed upgrade",
    "release-pending-stuck": "helm pending",
    "adapter-oomkilled": "OOMKilled",
    "adapter-crashloop": "CrashLoop",  # as the Adapters screen's status says it
    "adapter-unavailable": "unavailable",
    "adapter-degraded": "degraded",
    "rollout-stuck": "rollout stuck",
    "changed-before-it-broke": "bad rollout",
    "webhook-signature-mismatch": "webhook signatures",
    "memory-near-limit": "memory",
    "adapter-error-rate": "5xx",
    "adapter-throttled": "throttled",
    "queue-backlog": "backlog",
    "order-sync-failed": "orders failing",
}
# In a policy group a digest finding reads as the thing to fix, not the state.
HYGIENE_WORD: dict[str, str] = {"image-not-pinned": "digest"}


def rule_word(rule: str, *, hygiene: bool = False) -> str:
    if hygiene and rule in HYGIENE_WORD:
        return HYGIENE_WORD[rule]
    return RULE_WORD.get(rule, rule)


class Severity(IntEnum):
    """Ordered so that max() picks the worst; values match Nagios exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Target:
    """What a finding is about, as fields the analysis fills in, so that nothing downstream
    parses them back out of the finding's text: a screen colours one pod by the findings whose
    `objects` name it, a runbook takes its parameters from `params`."""

    kind: str  # "Deployment", "Certificate", "Pod", "order"
    namespace: str = ""
    name: str = ""
    container: str = ""
    platform: str = ""

    @classmethod
    def deployment(cls, namespace: str, name: str, platform: str = "") -> Target:
        return cls("Deployment", namespace, name, platform=platform)

    @classmethod
    def certificate(cls, namespace: str, name: str) -> Target:
        return cls("Certificate", namespace, name)

    @classmethod
    def pod(cls, namespace: str, name: str, container: str = "", platform: str = "") -> Target:
        return cls("Pod", namespace, name, container, platform)

    @classmethod
    def order(cls, order_id: str, platform: str = "") -> Target:
        return cls("order", name=order_id, platform=platform)

    @property
    def params(self) -> dict[str, str]:
        """The runbook parameters this target names, by the runbooks' own parameter names."""
        key = TARGET_PARAM.get(self.kind)
        if key is None or not self.name:
            return {}
        params = {key: self.name}
        if self.namespace:
            params["namespace"] = self.namespace
        return params


# Which runbook parameter a target's name fills, by its kind.
TARGET_PARAM: dict[str, str] = {
    "Deployment": "deployment",
    "Certificate": "certificate",
    "order": "order_id",
}


@dataclass(frozen=True)
class Finding:
    """One problem, explained in one sentence (`summary`) with the facts behind it."""

    id: str  # stable rule id, e.g. "pool-saturation"; runbooks apply_to these
    severity: Severity
    subject: str  # what it is about: "postgres", "openclaw/openclaw-adapter-amazon", ...
    summary: str
    evidence: tuple[str, ...] = field(default_factory=tuple)
    runbook: str | None = None
    pages: tuple[str, ...] = ()  # the firing alerts this finding explains (their alertnames)
    # How soon, how wide, how recent: the order within one severity (see `by_urgency`).
    urgency: Urgency = Urgency.NOW
    hurts_in: float | None = None  # seconds until it hurts (a certificate's time left)
    touches: int = 1  # how many things it touches: pods, orders, sessions, webhooks
    since: datetime | None = None  # when it began, when known
    target: Target | None = None  # the object it is about, when it is one object
    objects: tuple[Target, ...] = ()  # the pods (and containers) it names, every one of them
    # Further runbook parameters the analysis knows (an application_name), as (name, value).
    params: tuple[tuple[str, str], ...] = ()
    # The configured limit it was judged against, as a screen shows it ("168h", "5%").
    limit: str = ""
    # Which of several targets (a cluster, a VM) it was found on; empty with one target.
    target_name: str = ""

    def names(self, name: str) -> bool:
        """Does it name the object `name` (one pod) among its `objects`?"""
        return any(o.name == name for o in self.objects)

    @property
    def runbook_params(self) -> dict[str, str]:
        """What the analysis filled in for a runbook: its target's, then its own params."""
        params = self.target.params if self.target is not None else {}
        return params | dict(self.params)

    @property
    def hygiene(self) -> bool:
        return self.urgency is Urgency.HYGIENE

    def to_json(self) -> dict[str, object]:
        where = {"target": self.target_name} if self.target_name else {}
        return {
            **where,
            "id": self.id,
            "severity": self.severity.label,
            "subject": self.subject,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "runbook": self.runbook,
            "pages": list(self.pages),
            "urgency": self.urgency.label,
        }


def worst(findings: Iterable[Finding], ids: Collection[str] = ()) -> Severity:
    """The one "worst severity" helper: the worst among `findings` (only those with an id in
    `ids`, when given), OK when there are none."""
    return max((f.severity for f in findings if not ids or f.id in ids), default=Severity.OK)


def of_subject(findings: Iterable[Finding], subject: str, ids: Collection[str] = ()) -> Severity:
    """How bad one subject is (an adapter's or a certificate's `key`, "postgres")."""
    return worst((f for f in findings if f.subject == subject), ids)


def of_object(
    findings: Iterable[Finding], subject: str, name: str, ids: Collection[str] = ()
) -> Severity:
    """How bad one object of a subject is (one pod of an adapter): the worst finding about
    `subject` whose structured `objects` name it."""
    return worst((f for f in findings if f.subject == subject and f.names(name)), ids)


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Critical first, then warnings; stable within a severity."""
    return sorted(findings, key=lambda f: -f.severity)


def by_urgency(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    """The one order of findings, for the Overview and `check`: worst severity first; within
    one, the finding that names the first move, then by urgency, whether it pages, how soon it
    hurts, how much it touches and how recent it is; stable after that.

    A first move ranks with the worst finding about its subject: the rollout that started the
    crash loop leads the critical crash loop it explains, though by itself it is a warning."""
    worst_of: dict[str, Severity] = {}
    for f in findings:
        worst_of[f.subject] = max(worst_of.get(f.subject, Severity.OK), f.severity)

    def key(f: Finding) -> tuple[int, int, bool, float, int, float]:
        severity = worst_of[f.subject] if f.urgency is Urgency.FIRST_MOVE else f.severity
        soon = f.hurts_in if f.hurts_in is not None else math.inf
        recent = -f.since.timestamp() if f.since is not None else math.inf
        # what pages someone now comes before what does not, at the same urgency
        return (-severity, f.urgency, not f.pages, soon, -f.touches, recent)

    return sorted(findings, key=key)
