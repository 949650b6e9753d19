"""The Docker source at 200 containers against the docker CLI on the same private dockerd, in
the same run (budget 1.5x).

The source's first view, from nothing: connect, list every container, inspect each, read
the images' digests and have the `/events` stream open (what `fetch` waits for before its
first snapshot). The baseline is what an engineer would type for the same facts: `docker ps
-a --format '{{json .}}'` and then `docker inspect` of the same 200 ids, two processes timed
from spawn to exit. Best of three each, interleaved. The containers are compose-labelled
workers (not adapters), so no log is read on either side.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import report, skip

NAME = "docker_200_list_inspect_follow_vs_docker_cli"
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
    finally:
        try:
            engine.remove_all()
        finally:
            engine.stop()
            subprocess.run(["umount", "-R", str(root / "exec")], capture_output=True)
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
