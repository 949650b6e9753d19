"""Who acts: the OS user from the real uid (not $USER, which anyone can set), the host, and the
Kubernetes identity the API server sees, so the audit log and the Lease name a person.

The Lease holder also names the console process: two terminals of one engineer, or two
engineers sharing a bastion account, are two actors, and each must see the other's Lease."""

from __future__ import annotations

import os
import pwd
import secrets
import socket
from dataclasses import dataclass

_TAG: tuple[int, str] | None = None


def os_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid without a passwd entry (some containers): still name it
        return f"uid:{os.getuid()}"


def process_tag() -> str:
    """`pid 1234/3f9a1c`: this process, and a random part so a reused pid (another host, a
    restarted container) never passes for us. A forked child gets its own."""
    global _TAG
    pid = os.getpid()
    if _TAG is None or _TAG[0] != pid:
        _TAG = (pid, f"pid {pid}/{secrets.token_hex(3)}")
    return _TAG[1]


@dataclass(frozen=True)
class Operator:
    user: str
    host: str
    kube_user: str | None = None  # None: no cluster configured, or it would not say
    process: str = ""  # "": this process (process_tag()); set only to stand for another one

    @property
    def holder(self) -> str:
        """The person and where they sit (the audit log, a silence's createdBy)."""
        who = f"{self.user}@{self.host}"
        return f"{who} ({self.kube_user})" if self.kube_user else who

    @property
    def lease_holder(self) -> str:
        """The Lease holderIdentity: the person and this very console process."""
        return f"{self.holder} {self.process or process_tag()}"


def local_operator(kube_user: str | None = None) -> Operator:
    return Operator(os_user(), socket.gethostname(), kube_user)
