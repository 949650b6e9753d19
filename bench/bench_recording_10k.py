"""Recording a fleet of 10k pods with one change a second: how big the file grows per (virtual)
hour, against a fixed 20 MB/h.

The fleet is the sandbox API server's 10k pods (seven adapters, as bench_kube builds them),
read once by the console's Kubernetes source. Then each virtual second one pod changes (a
container restarts and the pod flaps its readiness, a different pod each time), the way a
watch hands the change on: a new fleet sharing every other pod's row. Each second the
recorder's own steps run on it: the snapshot built from those inputs, the frame encoded and
written (a full frame every five minutes, deltas between). The console's CPU for the frame is
printed alongside, for a person.
BENCH_RECORDING_MINUTES sets the virtual minutes recorded (default 20)."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import limit
from oc_console.domain.kube import FleetSnapshot

MINUTES = float(os.environ.get("BENCH_RECORDING_MINUTES", "20"))
PODS_10K = 1429  # extra pods per adapter: 7 x 1429 + the fleet's own ~ 10k (as bench_kube)
GROWTH_LIMIT_MB_PER_HOUR = 20.0


async def read_fleet(kubeconfig: Path) -> FleetSnapshot:
    from oc_console.config import KubernetesConfig
    from oc_console.sources.kube.source import KubeSource

    source = KubeSource(KubernetesConfig(kubeconfig=str(kubeconfig), timeout_seconds=60))
    try:
        return await source.fetch()
    finally:
        await source.close()


def changed(fleet: FleetSnapshot, rng: random.Random, now: datetime) -> FleetSnapshot:
    """The fleet a second later: one pod's container restarted, its readiness flipped."""
    pods = list(fleet.pods)
    i = rng.randrange(len(pods))
    pod = pods[i]
    containers = list(pod.containers)
    if containers:
        c = containers[0]
        containers[0] = replace(
            c,
            restart_count=c.restart_count + 1,
            ready=not c.ready,
            last_reason="Error",
            last_exit_code=1,
            last_finished_at=now,
        )
    pods[i] = replace(pod, ready=not pod.ready, containers=tuple(containers))
    return replace(fleet, pods=tuple(pods), generation=fleet.generation + 1, taken_at=now)


def record(fleet: FleetSnapshot, path: Path) -> tuple[float, float, int]:
    """(MB per virtual hour, CPU ms per frame, frames) of MINUTES of one change a second."""
    from oc_console.config import Config
    from oc_console.domain.health import SourceHealth
    from oc_console.recording.format import header_tree
    from oc_console.recording.writer import RecordingWriter
    from oc_console.services.built_snapshot import build_kept
    from oc_console.services.history import SeenFindings
    from oc_console.services.recording_frames import FrameCodec
    from oc_console.services.snapshot_builder import SnapshotInputs

    config, seen, codec, rng = Config(), SeenFindings(), FrameCodec(), random.Random(10)
    header = header_tree(console_version="bench", context="sandbox-10k", namespaces=("openclaw",),
                         sources=("kubernetes",), full_every=300.0,
                         created_at=datetime.now(UTC).isoformat())  # fmt: skip
    writer = RecordingWriter(path, header)
    start = datetime.now(UTC)
    frames, cpu = int(MINUTES * 60), 0.0
    for second in range(frames):
        now = start + timedelta(seconds=second)
        fleet = changed(fleet, rng, now)
        health = SourceHealth("kubernetes", configured=True, ok=True, error=None, fetched_at=now)
        inputs = SnapshotInputs(now=now, context_label="sandbox-10k", sources=(health,),
                                fleet=fleet)  # fmt: skip
        built = build_kept(inputs, config, seen)
        began = time.process_time()  # the recorder's part: the build is the screens'
        snap = built.snapshot
        tree = codec.encode(built.inputs, snap.findings, snap.pages, built.cleared)
        writer.frame(now.timestamp(), tree)
        cpu += time.process_time() - began
    writer.close()
    hours = frames / 3600
    return path.stat().st_size / 1e6 / hours, cpu / frames * 1e3, frames


def main() -> int:
    from oc_console.sandbox.kube import KubeSandbox

    with tempfile.TemporaryDirectory() as tmp:
        sandbox = KubeSandbox(Path(tmp) / "10k", extra_pods_per_adapter=PODS_10K).start()
        try:
            fleet = asyncio.run(read_fleet(sandbox.kubeconfig_path))
        finally:
            sandbox.stop()
        growth, cpu_ms, frames = record(fleet, Path(tmp) / "10k.ocrec")
    print(f"# {len(fleet.pods)} pods, {frames} frames; recorder CPU {cpu_ms:.1f} ms per frame")
    ok = limit("recording_growth_per_hour_10k_pods", growth, GROWTH_LIMIT_MB_PER_HOUR, "MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
