"""Who acts: the OS user from the real uid (not $USER, which anyone can set), the host, and the
Kubernetes identity the API server sees, so the audit log and the Lease name a person."""

from __future__ import annotations

import os
import pwd
import socket
from dataclasses import dataclass


def os_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid without a passwd entry (some containers): still name it
        return f"uid:{os.getuid()}"


@dataclass(frozen=True)
class Operator:
    user: str
    host: str
    kube_user: str | None = None  # None: no cluster configured, or it would not say

    @property
    def holder(self) -> str:
        """The Lease holderIdentity: the person and where they sit."""
        who = f"{self.user}@{self.host}"
        return f"{who} ({self.kube_user})" if self.kube_user else who


def local_operator(kube_user: str | None = None) -> Operator:
    return Operator(os_user(), socket.gethostname(), kube_user)
