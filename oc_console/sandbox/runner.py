"""The whole sandbox: an OpenClaw fleet on 127.0.0.1 for `oc-console demo`, drills and tests —
a real PostgreSQL, a Kubernetes API that kubectl can drive, and metrics (a real Prometheus when
the binary is on PATH, otherwise a stand-in labelled as such)."""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from oc_console.errors import UserError
from oc_console.sandbox.alerts import AlertsSandbox
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.metrics import MetricsSandbox, SandboxPod
from oc_console.sandbox.openclaw_api import OpenClawApi
from oc_console.sandbox.traces import TraceSandbox
from oc_console.sandbox.watchdog import GUARD

# `all` is every incident of the demo. `hostile` (backend text carrying terminal control
# sequences) is asked for by name only, so the default demo stays clean.
ALL = ("oom", "crashloop", "pool", "cert", "order", "webhook")
SCENARIOS = (*ALL, "hostile")


class _Part(Protocol):
    def stop(self) -> None: ...


def parse_scenarios(text: str) -> frozenset[str]:
    """`all`, `none`, or a comma-separated list of SCENARIOS (`all` may be one of them)."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    if "all" in names:
        names = (names - {"all"}) | set(ALL)
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(SCENARIOS))
    if unknown or not names:
        choices = "|".join((*SCENARIOS, "all", "none"))
        raise UserError(f"unknown scenario '{','.join(unknown) or text}' (choose {choices})")
    return frozenset(names)


class Sandbox:
    def __init__(
        self,
        scenarios: frozenset[str],
        workdir: Path | None = None,
        *,
        extra_pods_per_adapter: int = 0,
        use_prometheus: bool = True,
        shared_metrics: bool = False,
    ) -> None:
        """`shared_metrics`: one cluster of a fleet whose Prometheus scrapes this cluster's
        exporter (metrics/shared.py), started by the fleet; then `share_metrics`."""
        self.scenarios = scenarios
        self._shared_metrics = shared_metrics
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oc-sandbox-"))
        if self._own_dir:  # also when this process dies without stop()
            GUARD.remove_on_exit(str(self.workdir))
        self.database = SandboxDatabase(
            self.workdir / "db",
            pool_scenario="pool" in scenarios,
            hostile="hostile" in scenarios,
            bouncer="pool" in scenarios,  # a PgBouncer, when its binaries are installed
        )
        # an empty set means "healthy" to the API stand-in, as `none` does to us
        self.kube = KubeSandbox(
            self.workdir / "kube",
            scenarios or frozenset({"none"}),
            extra_pods_per_adapter=extra_pods_per_adapter,
        )
        self.metrics = MetricsSandbox(
            self.workdir / "metrics", self._pods, scenarios, use_prometheus=use_prometheus
        )
        self.alerts = AlertsSandbox(self.workdir / "alerts")
        self._use_prometheus = use_prometheus
        # started after the database, whose adapter role it writes as
        self.openclaw: OpenClawApi | None = None
        self.traces: TraceSandbox | None = None
        self._started: list[_Part] = []

    def _pods(self) -> list[SandboxPod]:
        return [
            SandboxPod(
                namespace=p.namespace,
                pod=p.pod,
                container=p.container,
                platform=p.platform,
                memory_limit_bytes=p.memory_limit_bytes or 0,
                restarts=p.restarts,
                last_terminated_reason=p.last_terminated_reason,
            )
            for p in self.kube.pods_view()
        ]

    def start(self) -> Sandbox:
        (self.workdir / "kube").mkdir(parents=True, exist_ok=True)
        try:
            self._started.append(self.database.start())
            # one instant for the failed order in its rows, its pod's logs and its trace: the
            # parts start seconds apart on a loaded machine
            self.kube.order_at = self.database.order_at
            self._started.append(self.kube.start())
            if self.database.note:
                print(self.database.note, file=sys.stderr, flush=True)
            if not self._shared_metrics:
                self._start_metrics_and_alerts()
            self.openclaw = OpenClawApi(self.database.adapter_dsn, self.workdir / "openclaw")
            self._started.append(self.openclaw.start())
            # the failed order's trace runs on the pod, and at the time, its logs show
            pod, at = self.kube.failed_order
            self.traces = TraceSandbox(pod or "openclaw-adapter-amazon-0", at)
            self.traces.start()
            self._started.append(self.traces)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_metrics_and_alerts(self) -> None:
        """A real Alertmanager starts before a real Prometheus, which sends it what the rules
        fire; when either cannot run, the Alertmanager stand-in answers from the same model."""
        self._started.append(self.alerts)
        if self._use_prometheus:
            address = self.alerts.start_real()
            if address is not None:
                self.metrics.alerting = (address, self.alerts.rules_path)
        if self.database.bouncer is not None:
            self.metrics.scrape_jobs.append(("pgbouncer", self.database.bouncer.exporter_address))
        self.metrics.start()
        self._started.append(self.metrics)  # stopped first: Prometheus before its Alertmanager
        if self.database.bouncer is not None and self.metrics.stand_in:
            print("sandbox: PgBouncer runs, but only a real Prometheus scrapes its exporter",
                  file=sys.stderr, flush=True)  # fmt: skip
        if self.metrics.stand_in or not self.alerts.url:
            assert self.metrics.model is not None
            reason = self.alerts.stand_in_reason or "no real Prometheus to evaluate the rules"
            self.alerts.start_stand_in(self.metrics.model, reason)

    def share_metrics(self) -> None:
        """Once the fleet's Prometheus scrapes this cluster's exporter: it evaluates no rules,
        so this cluster's Alertmanager stand-in answers from this cluster's model."""
        assert self.metrics.model is not None, "the shared Prometheus starts the exporter"
        self._started += [self.alerts, self.metrics]  # stopped first, as in start()
        reason = "one Prometheus serves every cluster of the fleet demo and evaluates no rules"
        self.alerts.start_stand_in(self.metrics.model, reason)

    def own_metrics(self) -> None:
        """A fleet's cluster whose shared Prometheus could not start: its own stand-in."""
        self._start_metrics_and_alerts()

    def flags(self) -> dict[str, object]:
        """Config overrides (dotted keys) that point the console at this sandbox."""
        return {
            "postgres.dsn": self.database.dsn,
            "kubernetes.kubeconfig": str(self.kube.kubeconfig_path),
            "kubernetes.context": self.kube.context,
            "prometheus.url": self.metrics.url,
            "traces.url": self.traces.url if self.traces else None,
            "traces.kind": "tempo",
            "alertmanager.url": self.alerts.url,
            **self._openclaw_flags(),
        }

    def _openclaw_env(self) -> dict[str, str]:
        if self.openclaw is None:
            return {}
        return {
            "OC_OPENCLAW_API": self.openclaw.url,
            "OC_OPENCLAW_TOKEN_FILE": str(self.openclaw.token_file),
        }

    def _openclaw_flags(self) -> dict[str, object]:
        if self.openclaw is None:
            return {}
        return {
            "openclaw.api": self.openclaw.url,
            "openclaw.token_file": str(self.openclaw.token_file),
        }

    def env(self) -> dict[str, str]:
        """What other clients (psql, kubectl, curl) and the console need to reach the sandbox."""
        return {
            "OC_PG_DSN": self.database.dsn,
            "OC_KUBECONFIG": str(self.kube.kubeconfig_path),
            "KUBECONFIG": str(self.kube.kubeconfig_path),
            "OC_CONTEXT": self.kube.context,
            "OC_PROMETHEUS": self.metrics.url,
            "OC_TRACES": self.traces.url if self.traces else "",
            "OC_TRACES_KIND": "tempo",
            "OC_ALERTMANAGER": self.alerts.url or "",
            **({"OC_PGBOUNCER": self.database.bouncer.dsn} if self.database.bouncer else {}),
            **self._openclaw_env(),
        }

    def stop(self, timeout: float | None = None) -> None:
        """Stop every part; again is a no-op. Most parts wait up to half a second for a server
        loop to notice, so they stop side by side; the database and Alertmanager after the
        parts that write to them. With `timeout`, the children of parts not stopped by then
        are killed."""
        parts, self._started = self._started[::-1], []
        deadline = None if timeout is None else time.monotonic() + timeout
        last = (self.database, self.alerts)
        errors = _stop_together([p for p in parts if p not in last], deadline)
        errors += _stop_together([p for p in parts if p in last], deadline)
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if errors:
            raise errors[0]

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stop_together(parts: list[_Part], deadline: float | None) -> list[BaseException]:
    """Stop each part on its own thread; past the deadline, SIGKILL the children still
    watched (the parts' threads are daemons and are left behind)."""
    errors: list[BaseException] = []

    def stop(part: _Part) -> None:
        try:
            part.stop()
        except BaseException as exc:  # raised by stop() once every part is done
            errors.append(exc)

    threads = [
        threading.Thread(target=stop, args=(p,), name=f"stop-{type(p).__name__}", daemon=True)
        for p in parts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        GUARD.kill_all()
    return errors
