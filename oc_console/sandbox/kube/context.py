"""What every request handler of one sandbox shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import Faults
from .resources import POD
from .scenarios import NAMESPACE
from .store import Store
from .tap import Tap


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
    tap: Tap = field(default_factory=Tap)  # what was served, for tests
    # ReplicaSet uid -> its pods loaded a wrong webhook key (external_secrets.Loaded)
    mismatching: dict[str, bool] = field(default_factory=dict)

    _padding: list[bytes] = field(default_factory=list)

    def padding_pods(self) -> list[bytes]:
        """Copies of a real pod appended to pods lists by the `pad_pod_lists` fault."""
        count = self.faults.pad_pod_lists
        if len(self._padding) != count:
            pods, _ = self.store.query(POD, NAMESPACE)
            base = pods[0].raw
            name = pods[0].name.encode()
            self._padding = [base.replace(name, b"%s-pad%d" % (name, i)) for i in range(count)]
        return self._padding
