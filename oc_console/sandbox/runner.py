"""The whole sandbox: an OpenClaw fleet on 127.0.0.1 for `oc-console demo`, drills and tests —
a real PostgreSQL, a Kubernetes API that kubectl can drive, and metrics (a real Prometheus when
the binary is on PATH, otherwise a stand-in labelled as such)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from oc_console.errors import UserError
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.kube import KubeSandbox
from oc_console.sandbox.metrics import MetricsSandbox, SandboxPod
from oc_console.sandbox.openclaw_api import OpenClawApi

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
    ) -> None:
        self.scenarios = scenarios
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oc-sandbox-"))
        self.database = SandboxDatabase(
            self.workdir / "db", pool_scenario="pool" in scenarios, hostile="hostile" in scenarios
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
        # started after the database, whose adapter role it writes as
        self.openclaw: OpenClawApi | None = None
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
            for part in (self.database, self.kube, self.metrics):
                part.start()
                self._started.append(part)
            self.openclaw = OpenClawApi(self.database.adapter_dsn, self.workdir / "openclaw")
            self._started.append(self.openclaw.start())
        except BaseException:
            self.stop()
            raise
        return self

    def flags(self) -> dict[str, object]:
        """Config overrides (dotted keys) that point the console at this sandbox."""
        return {
            "postgres.dsn": self.database.dsn,
            "kubernetes.kubeconfig": str(self.kube.kubeconfig_path),
            "kubernetes.context": self.kube.context,
            "prometheus.url": self.metrics.url,
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
            **self._openclaw_env(),
        }

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
