"""Three targets at once against one (DESIGN.md section 10), each on its own sandbox API server
holding 10k pods, the console a fresh headless process each run:

- RSS once every target's pods are listed, three targets against one (budget 3.2x);
- the first frame (the Overview painted with the shown target's pods, the fleet line over
  it), from the process's creation, three targets against one (budget 1.2x); when the other
  targets are read too is printed beside it;
- keystroke to screen, p95, on the real console in a pty over three targets of one sandbox,
  with the third target hung (its API server and Prometheus drip one byte at a time and never
  finish an answer, its database takes the connection and never speaks) against all three
  quiet (budget 1.5x).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.bench_keystrokes import moving_p95
from bench.common import report
from bench.http_stubs import drip
from bench.terminal import Terminal

PODS_10K = 1429  # 7 x 1429 + the fleet's own ~ 10k, per target
RUNS = 3
RSS_BUDGET = 3.2
FRAME_BUDGET = 1.2
KEYSTROKE_BUDGET = 1.5
# the 10k-pod clusters without incidents: no crash loop replaces pods while they are counted
NO_INCIDENTS = frozenset({"none"})

CHILD = """
import gc, json, os, sys, time
import psutil
from oc_console.config_loading import load_config
from oc_console.services.console import Console
from oc_console.services.fleet import Fleet
from oc_console.screens.app import make_app

out, *targets = sys.argv[1:]
configs = []
for i, target in enumerate(targets):
    kubeconfig, context = target.split("::")
    flags = {"kubernetes.kubeconfig": kubeconfig, "kubernetes.context": context,
             "kubernetes.timeout_seconds": 60}
    configs.append((f"region-{i}", load_config(None, flags, environ={})))
if len(configs) == 1:
    app = make_app(Console(configs[0][1]))
else:
    fleet = Fleet.from_configs(configs)
    app = make_app(fleet.current, fleet=fleet)
me = psutil.Process()

def shown_read():
    snap = app.snapshot
    return snap is not None and snap.fleet is not None and len(snap.fleet.pods) > 0

def all_read():
    view = app.fleet_view
    if view is None:
        return shown_read()
    return all(t.snapshot.fleet is not None and t.snapshot.fleet.pods for t in view.targets)

async def auto(pilot):
    while not shown_read():
        await pilot.pause(0.005)
    painted = []  # when the refresh that paints the pods is done
    app.call_after_refresh(lambda: painted.append(time.time() - me.create_time()))
    while not painted:
        await pilot.pause(0.005)
    frame = painted[0]
    while not all_read():
        await pilot.pause(0.02)
    everything = time.time() - me.create_time()
    gc.collect()
    await pilot.pause(0.5)
    pods = [len(t.snapshot.fleet.pods) for t in app.fleet_view.targets] if app.fleet_view else [
        len(app.snapshot.fleet.pods)]
    result = {"frame": frame, "all": everything, "rss": me.memory_info().rss, "pods": pods}
    with open(out, "w") as f:
        json.dump(result, f)
    os._exit(0)  # measured: the way out is not

app.run(headless=True, size=(120, 40), auto_pilot=auto)
"""


def console_run(tmp: Path, targets: list[str]) -> dict[str, float]:
    import subprocess

    out = tmp / "result.json"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PG", "KUBECONFIG"))}
    env.update(HOME=str(tmp), XDG_CONFIG_HOME=str(tmp), XDG_STATE_HOME=str(tmp))
    subprocess.run([sys.executable, "-c", CHILD, str(out), *targets], check=True, env=env,
                   timeout=300, capture_output=True)  # fmt: skip
    result: dict[str, float] = json.loads(out.read_text())
    return result


def three_against_one(tmp: Path) -> bool:
    from oc_console.sandbox.kube import KubeSandbox

    clusters = []
    try:
        for i in range(3):
            sandbox = KubeSandbox(tmp / f"kube-{i}", NO_INCIDENTS, extra_pods_per_adapter=PODS_10K)
            clusters.append(sandbox.start())
        targets = [f"{c.kubeconfig_path}::{c.context}" for c in clusters]
        console_run(tmp, targets[:1])  # warm the OS file cache for both
        ones, threes = [], []
        for _ in range(RUNS):  # interleaved, so a noisy neighbour weighs on both
            ones.append(console_run(tmp, targets[:1]))
            threes.append(console_run(tmp, targets))
    finally:
        for sandbox in clusters:
            sandbox.stop()
    pods = threes[0]["pods"]
    one_rss = statistics.median(r["rss"] for r in ones) / 2**20
    three_rss = statistics.median(r["rss"] for r in threes) / 2**20
    one_frame = statistics.median(r["frame"] for r in ones)
    three_frame = statistics.median(r["frame"] for r in threes)
    three_all = statistics.median(r["all"] for r in threes)
    print(f"# pods per target {pods}; frames one {[round(r['frame'], 3) for r in ones]} s, "
          f"three {[round(r['frame'], 3) for r in threes]} s; all three read after "
          f"{three_all:.2f} s (median)")  # fmt: skip
    ok = report("fleet_rss_3x10k_pods", three_rss, one_rss, RSS_BUDGET, "MB")
    return report("fleet_first_frame_3_targets", three_frame, one_frame, FRAME_BUDGET, "s") and ok


def silent_database() -> socket.socket:
    """Takes connections and never says a word: a database that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


def hung_kubeconfig(path: Path, url: str) -> Path:
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "hung",
        "clusters": [{"name": "hung", "cluster": {"server": url}}],
        "users": [{"name": "hung", "user": {"token": "bench"}}],
        "contexts": [{"name": "hung", "context": {"cluster": "hung", "user": "hung"}}],
    }))  # fmt: skip
    path.chmod(0o600)
    return path


def fleet_keystrokes(tmp: Path, targets: list[dict[str, str]]) -> float:
    config = tmp / "fleet.toml"
    lines = []
    for t in targets:
        lines.append("[[targets]]")
        lines += [f'{k} = "{v}"' for k, v in t.items()]
    config.write_text("\n".join(lines) + "\n")
    env = {"HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp), "XDG_STATE_HOME": str(tmp)}
    return moving_p95(Terminal.console("--config", str(config), env=env), b"targets")


def hung_against_quiet(tmp: Path) -> bool:
    from oc_console.sandbox.runner import Sandbox, parse_scenarios

    with Sandbox(parse_scenarios("all"), tmp / "sandbox") as sandbox:
        flags = sandbox.flags()
        healthy = {
            "kubeconfig": str(flags["kubernetes.kubeconfig"]),
            "context": str(flags["kubernetes.context"]),
            "pg_dsn": str(flags["postgres.dsn"]),
            "prometheus": str(flags["prometheus.url"]),
        }
        quiet_targets = [{"name": n, **healthy} for n in ("us-east", "eu-west", "ap-southeast")]
        dripping, silent = drip(), silent_database()
        hung = {
            "name": "ap-southeast",
            "kubeconfig": str(hung_kubeconfig(tmp / "hung-kubeconfig", dripping.url)),
            "context": "hung",
            "pg_dsn": f"postgresql://oc@127.0.0.1:{silent.getsockname()[1]}/openclaw",
            "prometheus": dripping.url,
        }
        hung_targets = [*quiet_targets[:2], hung]
        quiets, hungs = [], []
        try:
            for _ in range(RUNS):  # interleaved: a p95 of a few ms moves with the neighbours
                quiets.append(fleet_keystrokes(tmp, quiet_targets))
                hungs.append(fleet_keystrokes(tmp, hung_targets))
        finally:
            dripping.stop()
            silent.close()
    print(f"# keystroke p95 quiet {[round(q * 1000, 2) for q in quiets]} ms, one target hung "
          f"{[round(h * 1000, 2) for h in hungs]} ms")  # fmt: skip
    quiet, one_hung = statistics.median(quiets), statistics.median(hungs)
    return report("fleet_keystroke_p95_one_target_hung", one_hung * 1000, quiet * 1000,
                  KEYSTROKE_BUDGET, "ms")  # fmt: skip


def main() -> int:
    with TemporaryDirectory() as tmp:
        ok = three_against_one(Path(tmp))
        ok = hung_against_quiet(Path(tmp)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
