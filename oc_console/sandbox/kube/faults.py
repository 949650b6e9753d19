"""Failures a test can switch on while the sandbox runs."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Toggles read by the API server on every request; safe to flip from any thread."""

    # (verb, resource) pairs answered with 403, e.g. ("patch", "deployments") or
    # ("get", "pods/log"); verb "*" denies every verb on that resource.
    denied: set[tuple[str, str]] = field(default_factory=set)
    # API groups answered as not installed (404, and absent from discovery), like a cluster
    # without that CRD: e.g. "external-secrets.io".
    unserved: set[str] = field(default_factory=set)
    # The next watch request gets a 410 Gone (ERROR event with an Expired Status).
    expire_next_watch: bool = False
    # Every watch request gets a 410 Gone while set, like a server whose history is too short.
    expire_every_watch: bool = False
    # Extra synthetic pods appended to every pods list (about 6 KB each: 8,000 ~ 50 MB).
    pad_pod_lists: int = 0
    # Seconds added before every answer, like an overloaded API server.
    latency: float = 0.0
    # Every request routed, by (verb, resource): tests count what a screen costs the server.
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    _drops: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def deny(self, verb: str, resource: str) -> None:
        with self._lock:
            self.denied.add((verb, resource))

    def allow(self, verb: str, resource: str) -> None:
        with self._lock:
            self.denied.discard((verb, resource))

    def is_denied(self, verb: str, resource: str) -> bool:
        with self._lock:
            self.requests[(verb, resource)] += 1
            return (verb, resource) in self.denied or ("*", resource) in self.denied

    def drop_watches(self) -> None:
        """Cut every open watch stream now, without the final chunk."""
        with self._lock:
            self._drops += 1

    @property
    def drop_generation(self) -> int:
        with self._lock:
            return self._drops

    def take_expiry(self) -> bool:
        with self._lock:
            expired, self.expire_next_watch = self.expire_next_watch, False
            return expired or self.expire_every_watch
