"""One real Prometheus for several sandbox clusters, as a fleet keeps one store (Thanos,
Mimir, VictoriaMetrics) for all its clusters: it scrapes every cluster's exporter and adds a
`cluster` label to each one's series, in the history backfilled at start as in the scrapes, so
the console selects each target's series by that label. It evaluates no alert rules: each
cluster's Alertmanager stand-in answers from that cluster's own model."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..server_process import ServerProcess
from .exposition import Series
from .history import backfill, history_points, write_points
from .runner import JOB, MetricsSandbox, free_port

CLUSTER_LABEL = "cluster"  # the console's default `prometheus.cluster_label`


def binaries() -> tuple[str, str] | None:
    """prometheus and promtool, when both are on PATH."""
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    return (prometheus, promtool) if prometheus and promtool else None


class SharedPrometheus:
    def __init__(self, workdir: Path, clusters: dict[str, MetricsSandbox]) -> None:
        self._dir = Path(workdir)
        self._clusters = clusters
        self._process: ServerProcess | None = None

    @property
    def url(self) -> str:
        if self._process is None:
            raise RuntimeError("the shared Prometheus is not started")
        return self._process.url

    def start(self, prometheus: str, promtool: str) -> str:
        """Each cluster's exporter is started here; raises RuntimeError or OSError when
        Prometheus cannot run (the caller stops the clusters)."""
        shutil.rmtree(self._dir, ignore_errors=True)
        tsdb = self._dir / "tsdb"
        tsdb.mkdir(parents=True)
        addresses: dict[str, str] = {}
        points: dict[Series, list[tuple[float, float]]] = {}
        for name, metrics in self._clusters.items():
            addresses[name] = address = metrics.start_exporter_only()
            assert metrics.model is not None
            labels = (("cluster", name), ("instance", address), ("job", JOB))
            points.update(history_points(metrics.model, metrics.model.started_at, labels))
        backfill(promtool, write_points(points, self._dir / "history.om"), tsdb)
        config = self._dir / "prometheus.yml"
        config.write_text(scrape_config(addresses), encoding="utf-8")
        port = free_port()
        self._process = ServerProcess(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=30d",  # keeps every backfilled block
                "--log.level=warn",
            ],
            f"http://127.0.0.1:{port}",
            self._dir / "prometheus.log",
        )
        self._process.wait_ready()
        for metrics in self._clusters.values():
            metrics.served_by(self._process.url)
        return self._process.url

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None


def scrape_config(addresses: dict[str, str]) -> str:
    """One job, a static target per cluster labelled with its name. honor_labels keeps the
    exporter's namespace/pod/container labels, as for kube-state-metrics."""
    text = f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: {JOB}
    honor_labels: true
    static_configs:
"""
    for name, address in addresses.items():
        text += f"""      - targets: ["{address}"]
        labels:
          {CLUSTER_LABEL}: "{name}"
"""
    return text
