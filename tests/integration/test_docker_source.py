"""The Docker source against a real dockerd: an adapter OOMKilled at its 32 MiB limit, a
service restarting in a loop, a webhook signature mismatch in a JSON log line, compose labels
grouping containers into services, a service with no memory limit, and `check --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docker_fixtures import Engine

from oc_console.analysis.kube import kube_findings
from oc_console.analysis.vm import vm_findings, vm_worded
from oc_console.config import ADAPTER_PATTERN, DockerConfig
from oc_console.domain.findings import Finding
from oc_console.domain.kube import FleetSnapshot
from oc_console.errors import SourceError
from oc_console.sources.docker.client import open_client
from oc_console.sources.docker.source import DockerSource

pytestmark = pytest.mark.integration
MiB = 2**20
PROJECT = "vm"
OOM = "x=a; while :; do x=$x$x; done"  # doubles a string until the kernel kills it
MISMATCH = (
    '{"ts":"2026-12-05T10:00:00Z","level":"error","msg":"webhook signature mismatch",'
    '"platform":"amazon","order_id":"o-4711","trace_id":"t-1"}'
)


def compose(service: str, project: str = PROJECT) -> dict[str, str]:
    return {"com.docker.compose.project": project, "com.docker.compose.service": service}


def _restarting(obj: dict[str, Any]) -> bool:
    return bool(obj["State"]["Restarting"]) and obj["RestartCount"] >= 2


@pytest.fixture(scope="module")
def vm(docker_engine: Engine) -> Iterator[dict[str, str]]:
    """One compose project with the four failures, started once for the module."""
    e = docker_engine
    ids = {
        "oom": e.run(
            "vm-shopee-1", OOM, memory=32 * MiB, labels=compose("openclaw-adapter-shopee")
        ),
        "loop": e.run(
            "vm-lazada-1",
            'echo "lazada: cannot load config"; exit 1',
            memory=64 * MiB,
            restart="on-failure:1000",
            labels=compose("openclaw-adapter-lazada"),
        ),
        "hook": e.run(
            "vm-amazon-1",
            f"echo '{MISMATCH}'; echo plain text line; exec sleep 3600",
            memory=64 * MiB,
            labels=compose("openclaw-adapter-amazon"),
        ),
        "worker": e.run(
            "vm-worker-1",
            "exec sleep 3600",
            labels=compose("openclaw-worker"),
            nano_cpus=500_000_000,
        ),
        "sick": e.run(
            "vm-walmart-1",
            "exec sleep 3600",
            memory=64 * MiB,
            restart="always",
            labels=compose("openclaw-adapter-walmart"),
            health="echo db unreachable; exit 1",
        ),
    }
    e.wait_for(ids["oom"], lambda o: o["State"]["Status"] == "exited")
    e.wait_for(ids["loop"], _restarting)
    e.wait_for(ids["sick"], lambda o: o["State"]["Health"]["Status"] == "unhealthy")
    yield ids
    for cid in ids.values():
        e.http.delete(f"/containers/{cid}", params={"force": "1"})


def snapshot(engine: Engine) -> FleetSnapshot:
    source = DockerSource(DockerConfig(host=engine.url), ADAPTER_PATTERN, log_interval=0)
    try:
        return source.snapshot()
    finally:
        source.stop()


def findings(fleet: FleetSnapshot, rule: str, subject: str) -> list[Finding]:
    everything = vm_worded(kube_findings(fleet, datetime.now(UTC)), fleet) + vm_findings(fleet)
    return [f for f in everything if f.id == rule and f.subject == subject]


def test_a_32_mib_adapter_is_oomkilled_with_its_limit(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    state = docker_engine.inspect(vm["oom"])["State"]
    assert state["OOMKilled"] is True and state["ExitCode"] == 137
    fleet = snapshot(docker_engine)
    adapter = next(a for a in fleet.adapters if a.key == "vm/openclaw-adapter-shopee")
    (pod,) = fleet.pods_of(adapter)
    (c,) = pod.containers
    assert c.oomkilled and c.last_exit_code == 137 and c.memory_limit == 32 * MiB
    (finding,) = findings(fleet, "adapter-oomkilled", "vm/openclaw-adapter-shopee")
    assert "32Mi" in finding.summary and "exit 137" in finding.evidence[0]
    assert finding.runbook == "adapter-oomkilled"


def test_a_service_exiting_1_under_on_failure_restarts_in_a_loop(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    first = docker_engine.inspect(vm["loop"])["RestartCount"]
    climbed = docker_engine.wait_for(vm["loop"], lambda o: o["RestartCount"] > first)
    assert climbed["RestartCount"] > first >= 2
    docker_engine.wait_for(vm["loop"], _restarting)
    fleet = snapshot(docker_engine)
    pod = next(p for p in fleet.pods if p.name == "vm-lazada-1")
    (c,) = pod.containers
    assert c.crashloop and c.restart_count > first and c.last_exit_code == 1
    (finding,) = findings(fleet, "adapter-crashloop", "vm/openclaw-adapter-lazada")
    assert "last exit 1 (Error)" in finding.evidence[0]
    assert any("cannot load config" in line for line in finding.evidence)  # the log tail


def test_a_signature_mismatch_in_a_json_log_line_is_found(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    fleet = snapshot(docker_engine)
    (finding,) = findings(fleet, "webhook-signature-mismatch", "vm/openclaw-adapter-amazon")
    assert "order_id=o-4711" in finding.evidence[0] and "vm-amazon-1" in finding.evidence[0]


async def test_log_tail_reads_the_multiplexed_stream(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    source = DockerSource(DockerConfig(host=docker_engine.url), ADAPTER_PATTERN)
    try:
        source.snapshot()
        lines = await source.log_tail(PROJECT, "vm-amazon-1", "openclaw-adapter-amazon")
        since = datetime(2020, 1, 1, tzinfo=UTC)
        hits = await source.order_logs(PROJECT, "vm-amazon-1", "", since, ("o-4711",), keep=5)
    finally:
        await source.close()
    assert [line.text for line in lines] == ["webhook signature mismatch", "plain text line"]
    assert lines[0].signature_mismatch and lines[0].order_id == "o-4711"
    assert [h.order_id for h in hits] == ["o-4711"]


def test_a_service_without_a_memory_limit_is_a_finding(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    fleet = snapshot(docker_engine)
    (finding,) = findings(fleet, "no-memory-limit", "vm/openclaw-worker")
    assert "vm-worker-1" in finding.evidence[0]
    assert not findings(fleet, "no-memory-limit", "vm/openclaw-adapter-amazon")  # has 64 MiB


def test_compose_labels_make_one_service_of_its_containers(
    docker_engine: Engine,
) -> None:
    labels = compose("openclaw-adapter-tiktok", project="group")
    ids = [
        docker_engine.run(f"group-tiktok-{i}", "exec sleep 3600", memory=64 * MiB, labels=labels)
        for i in (1, 2)
    ]
    ids.append(docker_engine.run("loose-tiktok", "exec sleep 3600", memory=64 * MiB))
    try:
        for cid in ids:
            docker_engine.wait_for(cid, lambda o: o["State"]["Running"])
        fleet = snapshot(docker_engine)
    finally:
        for cid in ids:
            docker_engine.http.delete(f"/containers/{cid}", params={"force": "1"})
    (adapter,) = [a for a in fleet.adapters if a.namespace == "group"]
    assert (adapter.name, adapter.platform) == ("openclaw-adapter-tiktok", "tiktok")
    assert (adapter.desired, adapter.ready) == (2, 2)
    assert sorted(p.name for p in fleet.pods_of(adapter)) == ["group-tiktok-1", "group-tiktok-2"]
    loose = next(p for p in fleet.pods if p.name == "loose-tiktok")
    assert loose.namespace == "-" and loose.platform is None  # no compose labels: no service


def test_an_address_it_cannot_use_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unsupported Docker host 'ssh://vm'"):
        open_client("ssh://vm", {}, 1.0)
    client = open_client(f"unix://{tmp_path}/none.sock", {}, 1.0)
    with pytest.raises(SourceError, match="cannot reach the Docker Engine at unix://"):
        client.containers()


def test_check_json_names_every_vm_failure(
    docker_engine: Engine,
    vm: dict[str, str],
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "KUBE", "PG", "DOCKER"))}
    env["HOME"] = str(tmp_path)  # no ~/.kube/config: the Docker Engine is the fleet
    # A looping container caught in its few running milliseconds has no exit code to show (the
    # Engine resets it on start), and then says `last exit ?`, never a wrong code; caught
    # between runs, it names the 1. A few tries make the second certain.
    for _ in range(5):
        docker_engine.wait_for(vm["loop"], _restarting)
        done = subprocess.run(
            [sys.executable, "-m", "oc_console.cli", "check", "--json", "--docker",
             docker_engine.url],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        doc = json.loads(done.stdout)
        found = {(f["id"], f["subject"]): f for f in doc["findings"]}
        loop = found["adapter-crashloop", "vm/openclaw-adapter-lazada"]
        if "last exit 1" in loop["evidence"][0]:
            break
        assert "last exit ?" in loop["evidence"][0], loop["evidence"]
    assert "last exit 1" in loop["evidence"][0], loop["evidence"]
    assert doc["sources"]["docker"]["ok"] is True
    oom = found["adapter-oomkilled", "vm/openclaw-adapter-shopee"]
    assert "mem_limit 32Mi" in oom["evidence"][0]
    assert ("no-memory-limit", "vm/openclaw-worker") in found
    assert ("webhook-signature-mismatch", "vm/openclaw-adapter-amazon") in found


def test_findings_are_worded_for_a_vm(
    docker_engine: Engine,
    vm: dict[str, str],
) -> None:
    fleet = snapshot(docker_engine)
    everything = vm_worded(kube_findings(fleet, datetime.now(UTC)), fleet) + vm_findings(fleet)
    for f in everything:  # nothing speaks of pods, Deployments or Kubernetes on a VM
        text = " ".join((f.summary, *f.evidence)).lower()
        assert "pod" not in text and "deployment" not in text and "kubernetes" not in text, f
    (oom,) = findings(fleet, "adapter-oomkilled", "vm/openclaw-adapter-shopee")
    assert "containers were killed for exceeding their mem_limit (32Mi)" in oom.summary
    (loop,) = findings(fleet, "adapter-crashloop", "vm/openclaw-adapter-lazada")
    assert "restarting in a loop" in loop.evidence[0]
    assert loop.evidence[1] == "restart policy on-failure:1000"
    (tag,) = findings(fleet, "image-not-pinned", "vm/openclaw-adapter-amazon")
    assert "oc-busybox:test: no registry digest (built or imported on this VM)" in tag.evidence
    (norestart,) = findings(fleet, "no-restart-policy", "vm/openclaw-adapter-shopee")
    assert "vm-shopee-1: restart policy no" in norestart.evidence[0]
    assert not findings(fleet, "no-restart-policy", "vm/openclaw-adapter-walmart")  # always
    (sick,) = findings(fleet, "container-unhealthy", "vm/openclaw-adapter-walmart")
    assert "checks failed in a row" in sick.evidence[0]
    assert "last check said: db unreachable" in sick.evidence[0]
    (worker,) = findings(fleet, "no-memory-limit", "vm/openclaw-worker")
    assert "cpus 0.5" in worker.evidence[0]
    facts = {c.name: c for c in fleet.vm}
    assert facts["vm-worker-1"].cpus == 0.5 and facts["vm-lazada-1"].cpus is None
    assert facts["vm-walmart-1"].health == "unhealthy"
