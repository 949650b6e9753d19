"""What every request handler of one sandbox shares."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .faults import Faults
from .store import Store


@dataclass
class Context:
    store: Store
    faults: Faults
    token: str
    user: str
    scenarios: frozenset[str]
    bookmark_interval: float
    port: int = 0
    # The pod whose adapter handled the scenario order, and when it did.
    order_pod: str = ""
    order_at: float = 0.0
    stopping: threading.Event = field(default_factory=threading.Event)
