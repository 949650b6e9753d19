"""`check` over two sandbox clusters at once (two API servers, two databases), as the real
command line runs it: each target reported under its name, the exit code the worst of them, and
a dead API server marking its own target only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from oc_console.sandbox.runner import Sandbox, parse_scenarios

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def two_clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sandbox]]:
    """eu-west with an adapter OOMKilled, us-east with an expiring certificate."""
    started: dict[str, Sandbox] = {}
    try:
        for name, scenario in (("eu-west", "oom"), ("us-east", "cert")):
            workdir = Path(tmp_path_factory.mktemp(name))
            started[name] = Sandbox(parse_scenarios(scenario), workdir, use_prometheus=False)
            started[name].start()
        yield started
    finally:
        for sandbox in started.values():
            sandbox.stop()


def merged_kubeconfig(clusters: dict[str, Sandbox], path: Path) -> Path:
    """One kubeconfig with a context per sandbox, named after its region, as an engineer's
    kubeconfig holds a context per cluster."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "preferences": {}}
    for key in ("clusters", "users", "contexts"):
        merged[key] = []
    for name, sandbox in clusters.items():
        own = yaml.safe_load(sandbox.kube.kubeconfig_path.read_text())
        merged["clusters"].append({"name": name, "cluster": own["clusters"][0]["cluster"]})
        merged["users"].append({"name": name, "user": own["users"][0]["user"]})
        context = {**own["contexts"][0]["context"], "cluster": name, "user": name}
        merged["contexts"].append({"name": name, "context": context})
    merged["current-context"] = next(iter(clusters))
    path.write_text(yaml.safe_dump(merged))
    path.chmod(0o600)
    return path


def run_check(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBECONFIG"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home))
    result = subprocess.run(
        [sys.executable, "-m", "oc_console.cli", "check", "--timeout", "8", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.stdout, result.stderr
    return result


def check(*args: str, home: Path) -> tuple[int, dict[str, Any]]:
    result = run_check("--json", *args, home=home)
    return result.returncode, json.loads(result.stdout)


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {name: t["status"] for name, t in doc["targets"].items()}


def test_check_over_two_contexts_exits_with_the_worst(
    two_clusters: dict[str, Sandbox], tmp_path: Path
) -> None:
    kubeconfig = merged_kubeconfig(two_clusters, tmp_path / "kubeconfig")
    code, doc = check("--kubeconfig", str(kubeconfig), "--context", "eu-west,us-east",
                      home=tmp_path)  # fmt: skip
    assert statuses(doc) == {"eu-west": "CRITICAL", "us-east": "WARNING"}
    assert (code, doc["status"], doc["exit_code"]) == (2, "CRITICAL", 2)
    eu, us = doc["targets"]["eu-west"], doc["targets"]["us-east"]
    assert eu["context"] == "eu-west" and us["context"] == "us-east"
    assert "adapter-oomkilled" in {f["id"] for f in eu["findings"]}
    assert "adapter-oomkilled" not in {f["id"] for f in us["findings"]}
    assert {f["target"] for f in eu["findings"]} == {"eu-west"}
    # the fleet's findings, worst first across both, each naming where it was found
    assert doc["findings"][0]["severity"] == "critical"
    assert doc["findings"][0]["target"] == "eu-west"
    assert {f["target"] for f in doc["findings"]} == {"eu-west", "us-east"}
    # us-east alone is a warning: the exit code is each target's own, then the worst
    code, doc = check("--kubeconfig", str(kubeconfig), "--context", "us-east,us-east-again",
                      home=tmp_path)  # fmt: skip
    assert code == 3  # a context the kubeconfig lacks is a target that cannot be read
    assert statuses(doc) == {"us-east": "WARNING", "us-east-again": "UNKNOWN"}


def test_all_contexts_for_a_person(two_clusters: dict[str, Sandbox], tmp_path: Path) -> None:
    kubeconfig = merged_kubeconfig(two_clusters, tmp_path / "kubeconfig")
    result = run_check("--kubeconfig", str(kubeconfig), "--all-contexts", home=tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()  # piped: plain lines, each target under its name
    assert lines[0] == "CRITICAL - 2 targets: eu-west CRITICAL · us-east WARNING"
    eu, us = lines.index("== eu-west =="), lines.index("== us-east ==")
    assert lines[eu + 1].startswith("CRITICAL - ") and lines[us + 1].startswith("WARNING - ")
    assert any("adapter-oomkilled" in line or "OOMKilled" in line for line in lines[eu:us])


def test_targets_from_the_config_file_each_with_its_own_database(
    two_clusters: dict[str, Sandbox], tmp_path: Path
) -> None:
    kubeconfig = merged_kubeconfig(two_clusters, tmp_path / "kubeconfig")
    config = tmp_path / "config.toml"
    lines = [f'[kubernetes]\nkubeconfig = "{kubeconfig}"\n']
    for name, sandbox in two_clusters.items():
        lines.append(f'[[targets]]\nname = "{name}"\npg_dsn = "{sandbox.database.dsn}"\n')
    config.write_text("\n".join(lines))
    code, doc = check("--config", str(config), home=tmp_path)
    assert code == 2 and list(doc["targets"]) == ["eu-west", "us-east"]
    for target in doc["targets"].values():
        assert target["sources"]["postgres"]["ok"] and target["sources"]["kubernetes"]["ok"]
        assert target["database"]["total_sessions"] > 0


def test_a_dead_api_server_marks_only_its_target(
    two_clusters: dict[str, Sandbox], tmp_path: Path
) -> None:
    kubeconfig = merged_kubeconfig(two_clusters, tmp_path / "kubeconfig")
    two_clusters["us-east"].kube.stop()  # the last test of the module: us-east stays down
    started = time.monotonic()
    code, doc = check("--kubeconfig", str(kubeconfig), "--context", "eu-west,us-east",
                      home=tmp_path)  # fmt: skip
    assert time.monotonic() - started < 20
    eu, us = doc["targets"]["eu-west"], doc["targets"]["us-east"]
    assert not us["sources"]["kubernetes"]["ok"] and us["status"] == "UNKNOWN"
    assert eu["sources"]["kubernetes"]["ok"] and eu["status"] == "CRITICAL"
    assert "adapter-oomkilled" in {f["id"] for f in eu["findings"]}
    assert code == 2  # a critical finding wins over a target that cannot be read
