"""Metrics for the sandbox fleet: a real `prometheus` scraping the sandbox's exporter when the
binary (and promtool, for the history) is on PATH, otherwise the stand-in."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ..server_process import ServerProcess
from .exporter import start_exporter
from .history import backfill, write_history
from .http import LocalServer
from .model import FleetModel, SandboxPod
from .standin import start_stand_in

JOB = "openclaw-sandbox"


class MetricsSandbox:
    def __init__(
        self,
        workdir: Path,
        pods: Callable[[], list[SandboxPod]],
        scenarios: frozenset[str],
        *,
        use_prometheus: bool = True,
    ) -> None:
        self.model: FleetModel | None = None
        # (Alertmanager's address, the rules file) for a real Prometheus to evaluate and send
        self.alerting: tuple[str, Path] | None = None
        # (job, address) of other exporters a real Prometheus scrapes too (PgBouncer's)
        self.scrape_jobs: list[tuple[str, str]] = []
        self._dir = Path(workdir) / "prometheus"
        self._pods = pods
        self._scenarios = scenarios
        self._use_prometheus = use_prometheus
        self._exporter: LocalServer | None = None
        self._stand_in: LocalServer | None = None
        self._process: ServerProcess | None = None
        self._url: str | None = None
        self.stand_in = False
        self.stand_in_reason: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the metrics sandbox is not started")
        return self._url

    def start(self) -> None:
        self.model = model = FleetModel(self._pods, self._scenarios, time.time())
        prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
        if not self._use_prometheus:
            reason = "a real Prometheus was not asked for"
        elif not (prometheus and promtool):
            reason = "no prometheus/promtool on PATH"
        else:
            try:
                self._start_prometheus(model, prometheus, promtool)
                return
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                self._stop_prometheus()
                reason = f"prometheus did not start: {exc}"
        self._stand_in = start_stand_in(model, reason)
        self._url = self._stand_in.url
        self.stand_in, self.stand_in_reason = True, reason

    def start_exporter_only(self) -> str:
        """One cluster of a fleet: its model and exporter only, scraped by the Prometheus the
        fleet shares (shared.py); `served_by` then says where the console reads them."""
        self.model = FleetModel(self._pods, self._scenarios, time.time())
        self._exporter = start_exporter(self.model)
        return self._exporter.address

    def served_by(self, url: str) -> None:
        self._url = url

    def stop(self) -> None:
        self._stop_prometheus()
        if self._stand_in is not None:
            self._stand_in.stop()
            self._stand_in = None
        self._url = None

    def _start_prometheus(self, model: FleetModel, prometheus: str, promtool: str) -> None:
        # A tsdb left by an earlier run would overlap the new history with other values.
        shutil.rmtree(self._dir, ignore_errors=True)
        tsdb = self._dir / "tsdb"
        tsdb.mkdir(parents=True)
        self._exporter = start_exporter(model)
        target = (("instance", self._exporter.address), ("job", JOB))
        history = write_history(model, self._dir / "history.om", model.started_at, target)
        backfill(promtool, history, tsdb)
        config = self._dir / "prometheus.yml"
        text = _scrape_config(self._exporter.address, self.alerting, self.scrape_jobs)
        config.write_text(text, encoding="utf-8")
        port = free_port()
        self._process = ServerProcess(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                f"--web.listen-address=127.0.0.1:{port}",
                # Retention counts back from the newest block; 30 days keeps every backfilled one.
                "--storage.tsdb.retention.time=30d",
                "--log.level=warn",
                # Send firing alerts every second, not every minute: a drill is watched live.
                "--rules.alert.resend-delay=1s",
            ],
            f"http://127.0.0.1:{port}",
            self._dir / "prometheus.log",
        )
        self._url = self._process.url
        self._process.wait_ready()

    def _stop_prometheus(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None
        if self._exporter is not None:
            self._exporter.stop()
            self._exporter = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _scrape_config(
    target: str,
    alerting: tuple[str, Path] | None = None,
    jobs: list[tuple[str, str]] | None = None,
) -> str:
    # honor_labels keeps the exporter's namespace/pod/container labels, as for
    # kube-state-metrics; the timeout may not exceed the 1 s interval.
    text = f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: {JOB}
    honor_labels: true
    static_configs:
      - targets: ["{target}"]
"""
    for job, address in jobs or ():
        text += f"""  - job_name: {job}
    static_configs:
      - targets: ["{address}"]
"""
    if alerting is not None:
        address, rules = alerting
        text += f"""rule_files: ["{rules}"]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["{address}"]
"""
    return text
