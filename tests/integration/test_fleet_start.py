"""The order in which a fleet's targets start reading: the shown target first, so the first frame
comes when its cluster is listed rather than when the last cluster is, and the others once it
is on screen; a shown cluster that hangs holds the others back for a bounded head start only."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.runbook.audit import AuditLog
from oc_console.sandbox.kube import KubeSandbox
from oc_console.screens.app import make_app
from oc_console.services.fleet import Fleet
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


def kube_only(kubeconfig: Path, context: str) -> object:
    flags = {"kubernetes.kubeconfig": str(kubeconfig), "kubernetes.context": context}
    return load_config(None, flags, environ={})


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, KubeSandbox]]:
    """A big cluster (2k pods, listed in a while) and a small one (listed at once)."""
    started: dict[str, KubeSandbox] = {}
    try:
        for name, extra in (("big", 300), ("small", 0)):
            workdir = Path(tmp_path_factory.mktemp(name))
            sandbox = KubeSandbox(workdir, frozenset({"none"}), extra_pods_per_adapter=extra)
            started[name] = sandbox.start()
        yield started
    finally:
        for sandbox in started.values():
            sandbox.stop()


def first_reads(fleet: Fleet) -> dict[str, float]:
    """When each target's cluster first answered."""
    seen: dict[str, float] = {}

    def note(target: str, source: str) -> None:
        if source == "kubernetes" and fleet.console(target).kube.value is not None:
            seen.setdefault(target, time.monotonic())

    fleet.subscribe(note)
    return seen


async def test_the_shown_target_is_read_and_painted_first(
    clusters: dict[str, KubeSandbox], tmp_path: Path
) -> None:
    configs = [(n, kube_only(s.kubeconfig_path, s.context)) for n, s in clusters.items()]
    fleet = Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))  # type: ignore[arg-type]
    seen = first_reads(fleet)
    app = make_app(fleet.current, fleet=fleet)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(seen) == 2, 30)
    # the small cluster lists far faster, yet waits for the big one, which is shown
    assert seen["big"] < seen["small"]


async def test_a_hung_shown_cluster_holds_the_others_for_the_head_start_only(
    clusters: dict[str, KubeSandbox], tmp_path: Path
) -> None:
    silent = socket.socket()  # takes the connection, never answers the TLS handshake
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    hung = tmp_path / "kubeconfig"
    text = clusters["small"].kubeconfig_path.read_text()
    server = f"https://127.0.0.1:{silent.getsockname()[1]}"
    hung.write_text(text.replace(clusters["small"].url, server))
    hung.chmod(0o600)
    assert server in hung.read_text()
    small = clusters["small"]
    configs = [("hung", kube_only(hung, small.context)),
               ("small", kube_only(small.kubeconfig_path, small.context))]  # fmt: skip
    fleet = Fleet.from_configs(configs, audit=AuditLog(tmp_path / "audit.jsonl"))  # type: ignore[arg-type]
    seen = first_reads(fleet)
    app = make_app(fleet.current, fleet=fleet)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            started = time.monotonic()
            await until(pilot, lambda: "small" in seen, 20)
            # the head start, then a small cluster's read: long before the hung one gives up
            assert seen["small"] - started < 6.0
            assert fleet.console("hung").kube.value is None
    finally:
        silent.close()
