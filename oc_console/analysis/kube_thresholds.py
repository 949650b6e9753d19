"""The cluster rules' limits, read from `[kubernetes.thresholds]`: the adapter and certificate
findings, `check` and the screens all judge by these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from oc_console.domain.kube import CertStatus


@dataclass(frozen=True)
class KubeThresholds:
    """The cluster rules' limits; each is a `[kubernetes.thresholds]` key in the config."""

    # An OOM kill this recent is still happening (CRITICAL), older ones are history (WARNING).
    recent_oom_minutes: float = 60
    # A certificate this close to expiry (or past it) is CRITICAL: renewal has failed.
    cert_critical_hours: float = 72
    # The platform's policy: cert-manager renews at least this long before expiry (14 days by
    # default). The one place it lives: the findings, `check` and the screens all read it here.
    renew_before_policy_hours: float = 336

    @property
    def recent_oom(self) -> timedelta:
        return timedelta(minutes=self.recent_oom_minutes)

    @property
    def cert_critical(self) -> timedelta:
        return timedelta(hours=self.cert_critical_hours)

    @property
    def renew_before_policy(self) -> timedelta:
        return timedelta(hours=self.renew_before_policy_hours)

    def policy_ok(self, cert: CertStatus) -> bool:
        """The screens' "renewBefore" column asks this, never its own copy of 336h."""
        return cert.renew_before is None or cert.renew_before >= self.renew_before_policy
