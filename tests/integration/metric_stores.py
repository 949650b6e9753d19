"""Real stores that speak the Prometheus API, filled with the same series: Debian's `prometheus`
(backfilled by promtool) and Debian's `victoria-metrics` (the single-node build, fed through
/api/v1/import/prometheus). VictoriaMetrics aligns range queries to the step, as Thanos's and
Mimir's caching query frontends do, so the two together cover both behaviours.

Without a binary the tests that need it skip with the reason; under CI=true, or as root (where
the test script installs it), a missing binary is a failure."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import pytest

STORES = ("prometheus", "victoria-metrics")


def required(binaries: tuple[str, ...], install: str) -> tuple[str, ...]:
    found = tuple(shutil.which(b) for b in binaries)
    if all(found):
        return tuple(p for p in found if p)
    reason = f"{'/'.join(binaries)} not on PATH (apt-get install {install})"
    if os.environ.get("CI") == "true" or os.geteuid() == 0:
        pytest.fail(f"{reason}: required under CI=true or as root")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class OpenMetrics:
    """Series sampled every 15 s over the two hours before `end`; `common` labels (a
    cluster's) on every one."""

    def __init__(self, end: int, common: Mapping[str, str] | None = None) -> None:
        self.end = end
        self.common = dict(common or {})
        self.lines: list[str] = []

    def series(
        self,
        name: str,
        labels: Mapping[str, str],
        value: float | Callable[[int], float],
        until: int = 0,
    ) -> None:
        """`until`: the series stops that many seconds before `end`."""
        labels = {**self.common, **labels}
        body = ",".join(f'{k}="{v.translate(_ESCAPE)}"' for k, v in labels.items())
        for t in range(self.end - 7200, self.end - until + 1, 15):
            v = value(t) if callable(value) else value
            self.lines.append(f"{name}{{{body}}} {v!r} {t}")

    def counter(self, name: str, labels: Mapping[str, str], rate: float, until: int = 0) -> None:
        self.series(name, labels, lambda t: 1000 + rate * (t - self.end + 7200), until)

    def text(self) -> str:
        return "\n".join([*self.lines, "# EOF"]) + "\n"

    def exposition(self) -> str:
        """The same samples in the Prometheus text format, whose timestamps are milliseconds."""
        return "".join(_TIMESTAMP.sub(r" \g<1>000", line) + "\n" for line in self.lines)


_TIMESTAMP = re.compile(r" (\d+)$")
_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"'})  # a label value in the text formats


class Store(Protocol):
    kind: str
    url: str

    def stop(self) -> None: ...


class _Process:
    """A server on 127.0.0.1 with its output in a log file, ready when `ready_path` answers."""

    kind = ""

    def __init__(self, argv: list[str], url: str, log: Path, ready_path: str) -> None:
        self.url = url
        self._log = log.open("wb")
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready(ready_path)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.kind} exited; see its log"
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{self.kind} not ready within 20 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class RealPrometheus(_Process):
    kind = "prometheus"

    def __init__(self, workdir: Path, data: OpenMetrics) -> None:
        prometheus, promtool = required(("prometheus", "promtool"), "prometheus")
        tsdb = workdir / "tsdb"
        (workdir / "data.om").write_text(data.text(), encoding="utf-8")
        blocks = [promtool, "tsdb", "create-blocks-from", "openmetrics"]
        blocks += [str(workdir / "data.om"), str(tsdb)]
        subprocess.run(blocks, check=True, capture_output=True, timeout=60)
        (workdir / "prometheus.yml").write_text("global:\n  scrape_interval: 15s\n")
        url = f"http://127.0.0.1:{free_port()}"
        argv = [
            prometheus,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={tsdb}",
            f"--web.listen-address={url[7:]}",
            "--storage.tsdb.retention.time=30d",
        ]
        super().__init__(argv, url, workdir / "prometheus.log", "/-/ready")


class VictoriaMetrics(_Process):
    """Run as shipped (its query cache on), so its range queries are aligned to the step."""

    kind = "victoria-metrics"

    def __init__(self, workdir: Path, data: OpenMetrics) -> None:
        [binary] = required(("victoria-metrics",), "victoria-metrics")
        url = f"http://127.0.0.1:{free_port()}"
        argv = [
            binary,
            f"-storageDataPath={workdir / 'vm-data'}",
            f"-httpListenAddr={url[7:]}",
            "-retentionPeriod=100y",
            "-loggerLevel=WARN",
        ]
        super().__init__(argv, url, workdir / "victoria-metrics.log", "/health")
        try:
            body = data.exposition().encode()
            post = urllib.request.Request(
                f"{url}/api/v1/import/prometheus", data=body, method="POST"
            )
            urllib.request.urlopen(post, timeout=30).close()
            # imported samples become searchable at the next flush: make it now
            urllib.request.urlopen(f"{url}/internal/force_flush", timeout=30).close()
        except BaseException:
            self.stop()
            raise


def start_store(kind: str, workdir: Path, data: OpenMetrics) -> Store:
    if kind == "victoria-metrics":
        return VictoriaMetrics(workdir, data)
    return RealPrometheus(workdir, data)
