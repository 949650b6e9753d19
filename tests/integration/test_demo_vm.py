"""`demo --vm`'s incidents on a private real dockerd: check names each (the OOM kill with its
mem_limit, the restart loop, the signature mismatch, the leaked pool), and stop leaves
nothing behind: no labelled container, no image, no dockerd, no directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docker_fixtures import Engine, why_no_dockerd

from oc_console.errors import UserError
from oc_console.sandbox.vm import IMAGE, LABEL, VmSandbox

pytestmark = pytest.mark.integration


def test_demo_vm_scenarios_are_found_and_removed_on_stop(tmp_path: Path) -> None:
    reason = why_no_dockerd()
    if reason is not None:
        pytest.skip(reason)
    vm = VmSandbox(frozenset({"oom", "crashloop", "webhook", "pool"}), environ={}).start()
    root = vm._root
    try:
        assert root is not None  # no engine of the user's here: a private one
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "KUBE", "PG"))}
        env["HOME"] = str(tmp_path)
        flags = [f"--{k.split('.')[0] if k == 'docker.host' else 'pg-dsn'}={v}"
                 for k, v in vm.flags().items()]  # fmt: skip
        found: set[tuple[str, str]] = set()
        for _ in range(20):  # the OOM kill and the restart loop take a few seconds
            done = subprocess.run([sys.executable, "-m", "oc_console.cli", "check", "--json",
                                   *flags], capture_output=True, text=True, env=env,
                                  timeout=120)  # fmt: skip
            found = {(f["id"], f["subject"]) for f in json.loads(done.stdout)["findings"]}
            want = {("adapter-oomkilled", "openclaw/openclaw-adapter-walmart"),
                    ("adapter-crashloop", "openclaw/openclaw-adapter-lazada"),
                    ("webhook-signature-mismatch", "openclaw/openclaw-adapter-tiktok")}  # fmt: skip
            if want <= found and any(i.startswith("pool-") for i, _ in found):
                break
        assert want <= found, found
        assert any(i.startswith("pool-") for i, _ in found), found
    finally:
        vm.stop()
    assert not root.exists()
    assert vm._dockerd is not None and vm._dockerd.poll() is not None


def test_demo_vm_on_the_users_engine_removes_only_its_own(docker_engine: Engine) -> None:
    mine = docker_engine.run("users-own", "exec sleep 3600")
    try:
        vm = VmSandbox(frozenset({"oom", "pool"}), environ={"DOCKER_HOST": docker_engine.url})
        vm.scenarios = frozenset({"oom"})  # the engine is the point here, not PostgreSQL
        vm.start()
        assert vm._root is None and vm.flags() == {"docker.host": docker_engine.url}
        labels = [r["Labels"] for r in docker_engine.http.get(
            "/containers/json", params={"all": "1"}).json()]  # fmt: skip
        assert {"oc-console.demo": "oom"}.items() <= next(x for x in labels if LABEL in x).items()
        vm.stop()
        left = docker_engine.http.get("/containers/json", params={"all": "1"}).json()
        assert [r["Names"] for r in left] == [["/users-own"]]
        assert docker_engine.http.get(f"/images/{IMAGE}/json").status_code == 404
    finally:
        docker_engine.http.delete(f"/containers/{mine}", params={"force": "1"})


def test_without_an_engine_one_line_says_what_it_needs(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("as root a private dockerd is started instead")
    with pytest.raises(UserError, match="demo --vm needs a Docker Engine"):
        VmSandbox(frozenset({"oom"}), environ={"DOCKER_HOST": f"unix://{tmp_path}/x"}).start()
