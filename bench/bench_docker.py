"""The Docker source at 200 containers against the docker CLI on the same private dockerd, in
the same run (budget 1.5x).

The source's first view, from nothing: connect, list every container, inspect each, read
the images' digests and have the `/events` stream open (what `fetch` waits for before its
first snapshot). The baseline is what an engineer would type for the same facts: `docker ps
-a --format '{{json .}}'` and then `docker inspect` of the same 200 ids, two processes timed
from spawn to exit. Best of three each, interleaved. The containers are compose-labelled
workers (not adapters), so no log is read on either side.

And `check --json`'s peak RSS with the Docker Engine as its fleet, against the same command
on the sandbox API server holding as many pods (within 20 MB).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import limit, report, skip

NAME = "docker_200_list_inspect_follow_vs_docker_cli"
RSS_NAME = "docker_check_rss_minus_kube_check_rss_200"
RSS_BUDGET_MB = 20.0
# the peak RSS of one child: a wrapper process whose only child is the measured one
PEAK = ("import resource, subprocess, sys; "
        "out = subprocess.run(sys.argv[1:], capture_output=True, text=True).stdout; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(out)")  # fmt: skip
CONTAINERS = 200
RUNS = 3
BUDGET = 1.5
LABELS = {"com.docker.compose.project": "bench", "com.docker.compose.service": "openclaw-worker"}


async def source_view(url: str) -> tuple[float, int]:
    from oc_console.config import ADAPTER_PATTERN, DockerConfig
    from oc_console.sources.docker.source import DockerSource

    start = time.perf_counter()
    source = DockerSource(DockerConfig(host=url), ADAPTER_PATTERN, log_interval=3600)
    try:
        fleet = await source.fetch()
        took = time.perf_counter() - start
        assert fleet.watches[0].state == "watching", fleet.watch_status
    finally:
        await source.close()
    return took, len(fleet.pods)


def cli_view(docker: str, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    ps = subprocess.run([docker, "-H", url, "ps", "-a", "--format", "{{json .}}"],
                        capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    ids = [line.split('"ID":"', 1)[1].split('"', 1)[0] for line in ps.stdout.splitlines()]
    subprocess.run([docker, "-H", url, "inspect", *ids], capture_output=True, check=True,
                   timeout=120)  # fmt: skip
    return time.perf_counter() - start, len(ids)


def peak_mb(argv: list[str], env: dict[str, str], source: str) -> float:
    """The peak RSS of `check --json`, which must have read `source` (a check that failed
    early would look small)."""
    done = subprocess.run([sys.executable, "-c", PEAK, *argv], capture_output=True, text=True,
                          env=env, check=True, timeout=300)  # fmt: skip
    rss, _, out = done.stdout.partition("\n")
    assert json.loads(out)["sources"][source]["ok"] is True, out[:500]
    return int(rss) / 1024  # ru_maxrss is in KiB on Linux


def rss_line(url: str) -> bool:
    """`check` on the Engine against `check` on the sandbox cluster at the same size."""
    from tempfile import TemporaryDirectory

    from oc_console.sandbox.kube import KubeSandbox

    with TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBE"))}
        env.update({"HOME": tmp, "XDG_CONFIG_HOME": tmp, "NO_COLOR": "1"})
        check = [sys.executable, "-m", "oc_console.cli", "check", "--json"]
        docker = min(peak_mb([*check, "--docker", url], env, "docker") for _ in range(RUNS))
        # 7 adapters with 28 extra pods each, and the fleet's own few: about 200 pods
        sandbox = KubeSandbox(Path(tmp) / "kube", extra_pods_per_adapter=28).start()
        try:
            config = str(sandbox.kubeconfig_path)
            on_kube = [*check, "--kubeconfig", config]
            kube = min(peak_mb(on_kube, env, "kubernetes") for _ in range(RUNS))
        finally:
            sandbox.stop()
    print(f"# check peak RSS: docker {docker:.1f} MB, kubernetes {kube:.1f} MB")
    return limit(RSS_NAME, docker - kube, RSS_BUDGET_MB, "MB")


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.integration.docker_fixtures import start_engine, why_no_dockerd

    reason = why_no_dockerd()
    docker = shutil.which("docker")
    if reason is None and docker is None:
        reason = "the docker CLI is not installed (apt-get install docker.io)"
    if reason is not None or docker is None:
        skip(NAME, reason or "")
        return 0
    root = Path(f"/tmp/ocbd-{os.getpid()}")
    engine = start_engine(root)
    try:
        for i in range(CONTAINERS):
            engine.run(f"bench-worker-{i}", "exec sleep 3600", labels=LABELS)
        ours, theirs = [], []
        for _ in range(RUNS):
            took, seen = cli_view(docker, engine.url)
            assert seen == CONTAINERS, seen
            theirs.append(took)
            took, seen = asyncio.run(source_view(engine.url))
            assert seen == CONTAINERS, seen
            ours.append(took)
        ok = report(NAME, min(ours), min(theirs), BUDGET, "s")
        ok = rss_line(engine.url) and ok
    finally:
        try:
            engine.remove_all()
        finally:
            engine.stop()
            for mounted in ("exec", "data"):  # dockerd bind-mounts its own directories
                subprocess.run(["umount", "-R", str(root / mounted)], capture_output=True)
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
