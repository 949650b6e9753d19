"""API discovery (`GET /apis`): which groups and versions the cluster serves.

Read once at start and then every few minutes by one daemon thread: CRDs are installed and
upgraded rarely, and this is the only way to see a served version such as an OpenClaw
`v1alpha1` without reading CustomResourceDefinitions (which needs cluster-wide RBAC).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson

from oc_console.domain.releases import ApiGroup
from oc_console.sources.kube.client import KubeClient, describe_error, get
from oc_console.sources.kube.watch import read_body

DISCOVERY_INTERVAL = 300.0
RETRY_INTERVAL = 30.0
MAX_DISCOVERY_BYTES = 16 * 1024 * 1024


def parse_group_list(doc: object) -> tuple[ApiGroup, ...]:
    """An APIGroupList as groups with their served versions (newest-preferred first)."""
    groups = doc.get("groups") if isinstance(doc, dict) else None
    out = []
    for g in groups or ():
        if not isinstance(g, dict) or not g.get("name"):
            continue
        versions = tuple(
            str(v.get("version")) for v in g.get("versions") or () if isinstance(v, dict)
        )
        preferred = (g.get("preferredVersion") or {}).get("version")
        out.append(
            ApiGroup(str(g["name"]), versions, preferred if isinstance(preferred, str) else None)
        )
    return tuple(out)


class ApiDiscovery:
    """The cluster's API groups, kept by one thread; `on_change` runs when they change."""

    def __init__(
        self,
        client: KubeClient,
        timeout: float,
        on_change: Callable[[], None],
        interval: float = DISCOVERY_INTERVAL,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._on_change = on_change
        self._interval = interval
        self._stop = threading.Event()
        self._answered = threading.Event()
        self.groups: tuple[ApiGroup, ...] | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="kube-discovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait_answered(self, timeout: float) -> bool:
        """Until the first answer (groups or an error), so `check` sees the CRD versions."""
        return self._answered.wait(timeout)

    def read(self) -> tuple[ApiGroup, ...]:
        response: Any = get(self._client, "/apis", {}, (self._timeout, self._timeout))
        return parse_group_list(orjson.loads(read_body(response, MAX_DISCOVERY_BYTES)))

    def _run(self) -> None:
        while not self._stop.is_set():
            groups: tuple[ApiGroup, ...] | None
            error: str | None
            try:
                groups, error = self.read(), None
            except Exception as exc:
                groups = self.groups  # the last good answer stays, marked by the error
                error = describe_error(exc, self._client, "list", "API groups", "")
            changed = (groups, error) != (self.groups, self.error)
            self.groups, self.error = groups, error
            self._answered.set()
            if changed:
                self._on_change()
            self._stop.wait(RETRY_INTERVAL if error else self._interval)
