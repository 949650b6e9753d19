"""`oc-console demo --clusters N`: N sandbox clusters, one per region, each with its own API
server, PostgreSQL, trace endpoint, OpenClaw API and incidents, and one real Prometheus for
them all that labels each cluster's series with its `cluster` (as a fleet's Thanos, Mimir or
VictoriaMetrics does), so the console reads each target's metrics by that label. Without the
prometheus and promtool binaries, each cluster answers from its own stand-in instead.

The clusters start side by side: a fleet comes up in about the time of its slowest cluster."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from oc_console.errors import UserError
from oc_console.sandbox.metrics.shared import SharedPrometheus, binaries
from oc_console.sandbox.runner import Sandbox, parse_scenarios
from oc_console.sandbox.watchdog import GUARD

# A cross-border seller's regions, each broken its own way, so the fleet line tells them apart.
REGIONS = (
    ("us-east", "oom,order"),
    ("eu-west", "crashloop,webhook"),
    ("ap-southeast", "pool,cert"),
)


class SandboxFleet:
    def __init__(self, count: int, scenarios: frozenset[str] | None = None) -> None:
        """`scenarios`: the same incidents in every cluster; None, each region's own."""
        if not 1 <= count <= len(REGIONS):
            raise UserError(f"--clusters takes 1 to {len(REGIONS)}, not {count}")
        self.workdir = Path(tempfile.mkdtemp(prefix="oc-fleet-"))
        GUARD.remove_on_exit(str(self.workdir))  # also when this process dies without stop()
        self._binaries = binaries()
        shared = self._binaries is not None
        self.clusters = {
            name: Sandbox(
                scenarios if scenarios is not None else parse_scenarios(own),
                self.workdir / name,
                use_prometheus=False,  # never one Prometheus per cluster: one for the fleet
                shared_metrics=shared,
            )
            for name, own in REGIONS[:count]
        }
        self.prometheus = (
            SharedPrometheus(
                self.workdir / "prometheus", {n: s.metrics for n, s in self.clusters.items()}
            )
            if shared
            else None
        )

    def start(self) -> SandboxFleet:
        try:
            with ThreadPoolExecutor(len(self.clusters), thread_name_prefix="cluster") as pool:
                for started in [pool.submit(s.start) for s in self.clusters.values()]:
                    started.result()
            self._start_metrics()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_metrics(self) -> None:
        if self.prometheus is None or self._binaries is None:
            return
        try:
            self.prometheus.start(*self._binaries)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            self.prometheus.stop()
            self.prometheus = None
            print(f"sandbox: the shared Prometheus did not start ({exc}); each cluster answers "
                  "from its own stand-in", file=sys.stderr, flush=True)  # fmt: skip
            for sandbox in self.clusters.values():
                sandbox.own_metrics()
            return
        for sandbox in self.clusters.values():
            sandbox.share_metrics()

    def flags(self) -> dict[str, object]:
        """Config overrides (dotted keys): every cluster a target named after its region."""
        targets: list[dict[str, Any]] = []
        for name, sandbox in self.clusters.items():
            own = sandbox.flags()
            target: dict[str, Any] = {
                "name": name,
                "kubeconfig": own["kubernetes.kubeconfig"],
                "context": own["kubernetes.context"],
                "pg_dsn": own["postgres.dsn"],
                "traces": own["traces.url"],
                "alertmanager": own["alertmanager.url"],
                "openclaw_api": own.get("openclaw.api"),
                "openclaw_token_file": own.get("openclaw.token_file"),
            }
            if self.prometheus is None:  # each cluster's own stand-in, no cluster label
                target["prometheus"] = own["prometheus.url"]
            targets.append({k: v for k, v in target.items() if v is not None})
        shared = None if self.prometheus is None else self.prometheus.url
        return {"targets": targets, "prometheus.url": shared, "traces.kind": "tempo"}

    def stop(self, timeout: float | None = None) -> None:
        if self.prometheus is not None:
            self.prometheus.stop()
        with ThreadPoolExecutor(len(self.clusters), thread_name_prefix="stop-cluster") as pool:
            for stopped in [pool.submit(s.stop, timeout) for s in self.clusters.values()]:
                stopped.result()
        shutil.rmtree(self.workdir, ignore_errors=True)
