"""What the Event on the target adds to an action, on the sandbox API server: after the audit
end record the engine reads the target (its uid, which `kubectl describe` matches) and creates
an `events.k8s.io/v1` Event. Budget: 50 ms (the median of several runs; a scale to the replicas
the Deployment already has, so each run is quick and repeatable)."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.common import limit

BUDGET_S = 0.050
RUNS = 7
APP = "openclaw-adapter-amazon"


async def measure(kubeconfig: Path, context: str, audit_path: Path) -> list[float]:
    from oc_console.config_loading import load_config
    from oc_console.runbook.actions.base import Action
    from oc_console.runbook.actions.registry import make_action
    from oc_console.runbook.audit import AuditLog
    from oc_console.runbook.engine import Engine, Plan
    from oc_console.runbook.env import open_env

    class Timed(Engine):
        samples: list[float]

        async def _mark(self, action: Action, base: dict[str, Any], end: dict[str, Any]) -> None:
            started = time.perf_counter()
            await super()._mark(action, base, end)
            self.samples.append(time.perf_counter() - started)

    flags = {"kubernetes.kubeconfig": str(kubeconfig), "kubernetes.context": context}
    env = await open_env(load_config(None, flags, environ={}))
    audit = AuditLog(audit_path)
    engine = Timed(env, audit, read_only=False)
    engine.samples = []
    for _ in range(RUNS):
        action = make_action("scale", {"deployment": APP, "replicas": "3"}, "openclaw")
        plan = await engine.prepare(action)
        if not isinstance(plan, Plan):
            raise RuntimeError(f"not prepared: {plan.message}")
        result = await engine.run(plan, confirmed=True)
        if result.status != "done":
            raise RuntimeError(f"the scale did not run: {result.message}")
    failed = [r for r in audit.read().records if r.get("phase") == "event"]
    if failed:
        raise RuntimeError(f"an Event was not written: {failed[0]['error']}")
    listed = env.require_kube().call("GET", "/apis/events.k8s.io/v1/namespaces/openclaw/events")
    ours = [e for e in listed["items"] if e.get("reason") == "OcConsoleAction"]
    if len(ours) != RUNS:
        raise RuntimeError(f"{len(ours)} Events written for {RUNS} actions")
    return engine.samples


def main() -> int:
    from oc_console.sandbox.kube import KubeSandbox

    with TemporaryDirectory() as tmp:
        kube = KubeSandbox(Path(tmp) / "kube", frozenset({"none"}), ready_delay=0.1).start()
        try:
            samples = asyncio.run(measure(kube.kubeconfig_path, kube.context, Path(tmp) / "a"))
        finally:
            kube.stop()
    value = statistics.median(samples)
    shown = ", ".join(f"{s * 1e3:.1f}" for s in samples)
    print(f"# Event write after the end record over {RUNS} runs: {shown} ms")
    ok = limit("action_event_write", value * 1e3, BUDGET_S * 1e3, unit="ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
