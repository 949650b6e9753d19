"""What the API server served, for tests that must prove what crossed the wire.

Every routed request is recorded (verb, resource, path, query, Accept); the bytes answered
are kept too for the resources named in `capture`, so a test can search them, e.g. for a
Secret's `data`. Bounded: a demo left running for a shift keeps the newest requests only.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import Message

KEEP = 5_000


@dataclass
class Served:
    verb: str  # list, watch, get, patch...
    resource: str  # "secrets", "pods/log"
    path: str
    query: dict[str, str]
    accept: str
    agent: str  # User-Agent: tells kubectl's requests from the console's
    body: bytearray | None = None  # what was written, for a captured resource (grows live)

    @property
    def text(self) -> str:
        return bytes(self.body or b"").decode(errors="replace")


@dataclass
class Tap:
    capture: set[str] = field(default_factory=set)  # resources whose answers are kept
    served: deque[Served] = field(default_factory=lambda: deque(maxlen=KEEP))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(
        self, verb: str, resource: str, path: str, query: dict[str, str], headers: Message
    ) -> Served:
        with self._lock:
            body = bytearray() if resource in self.capture else None
            accept, agent = headers.get("Accept", ""), headers.get("User-Agent", "")
            served = Served(verb, resource, path, dict(query), accept, agent, body)
            self.served.append(served)
            return served

    def of(self, resource: str, *, kubectl: bool = False) -> list[Served]:
        """What was served for one resource, to the console (or to kubectl)."""
        with self._lock:
            return [
                s
                for s in self.served
                if s.resource == resource and s.agent.startswith("kubectl") == kubectl
            ]

    def clear(self) -> None:
        with self._lock:
            self.served.clear()
