"""A private, real Docker Engine for the Docker source's tests: Debian's dockerd on a socket in
a temporary directory (no iptables, no bridge, vfs storage), with an image imported from
busybox-static, since nothing can be pulled. Everything is removed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oc_console.sandbox.vm import busybox_rootfs

IMAGE = "oc-busybox:test"
APPLETS = ("sh", "echo", "cat", "sleep", "true", "false", "printf")
LABEL = "oc-console.test"  # every container the tests create carries it


class Engine:
    """The running dockerd, and the few API calls the tests make to set up containers."""

    def __init__(self, root: Path, proc: subprocess.Popen[bytes]) -> None:
        self.root = root
        self.proc = proc
        self.socket = root / "docker.sock"
        self.url = f"unix://{self.socket}"
        self.http = httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.socket)),
            base_url="http://docker/v1.41",
            timeout=30,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.http.get("/_ping").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        log = (self.root / "dockerd.log").read_text(errors="replace")[-800:]
        raise RuntimeError(f"dockerd did not start: {log}")

    def import_image(self, busybox: str) -> None:
        resp = self.http.post(
            "/images/create",
            params={"fromSrc": "-", "repo": IMAGE.split(":")[0], "tag": IMAGE.split(":")[1]},
            content=busybox_rootfs(busybox, APPLETS),
            headers={"Content-Type": "application/x-tar"},
        )
        resp.raise_for_status()

    def run(
        self,
        name: str,
        script: str,
        *,
        memory: int = 0,
        restart: str = "no",
        labels: dict[str, str] | None = None,
        start: bool = True,
        nano_cpus: int = 0,
        health: str | None = None,
        env: list[str] | None = None,
    ) -> str:
        """`docker run -d --network none --label ... sh -c script`; the container's id."""
        policy: dict[str, Any] = {"Name": restart}
        if restart.startswith("on-failure:"):
            policy = {"Name": "on-failure", "MaximumRetryCount": int(restart.split(":")[1])}
        body = {
            "Image": IMAGE,
            "Cmd": ["sh", "-c", script],
            "Labels": {LABEL: "1", **(labels or {})},
            "Env": env or [],
            "HostConfig": {
                "NetworkMode": "none",
                "Memory": memory,
                "MemorySwap": memory or 0,  # no swap to hide in: the kernel kills at the limit
                "RestartPolicy": policy,
                "NanoCpus": nano_cpus,
            },
        }
        if health is not None:  # a check every half second, unhealthy after two failures
            body["Healthcheck"] = {"Test": ["CMD-SHELL", health], "Interval": 500_000_000,
                                   "Timeout": 2_000_000_000, "Retries": 2}  # fmt: skip
        resp = self.http.post("/containers/create", params={"name": name}, json=body)
        resp.raise_for_status()
        cid: str = resp.json()["Id"]
        if start:
            self.http.post(f"/containers/{cid}/start").raise_for_status()
        return cid

    def inspect(self, cid: str) -> dict[str, Any]:
        resp = self.http.get(f"/containers/{cid}/json")
        resp.raise_for_status()
        obj: dict[str, Any] = resp.json()
        return obj

    def wait_for(self, cid: str, test: Any, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            obj = self.inspect(cid)
            if test(obj) or time.monotonic() > deadline:
                return obj
            time.sleep(0.2)

    def remove_all(self) -> None:
        resp = self.http.get("/containers/json", params={"all": "1"})
        for row in resp.json():
            self.http.delete(f"/containers/{row['Id']}", params={"force": "1"})

    def stop_daemon(self) -> None:
        """dockerd stopped, its containers with it: every client's event stream drops."""
        self._terminate()

    def start_daemon(self) -> None:
        """dockerd started again on the same root (the containers, stopped, are kept)."""
        self.proc = _spawn(self.root)
        self.wait_ready()

    def stop(self) -> None:
        self.http.close()
        self._terminate()

    def _terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def why_no_dockerd() -> str | None:
    """The one reason dockerd cannot start here, or None."""
    if os.geteuid() != 0:
        return "dockerd needs root (run the tests as root to test the Docker source)"
    for tool in ("dockerd", "containerd", "runc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install docker.io)"
    if _busybox() is None:
        return "busybox-static is not installed (apt-get install busybox-static)"
    return None


def _busybox() -> str | None:
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if Path(path).exists():
            return path
    return None


def _spawn(root: Path) -> subprocess.Popen[bytes]:
    log = (root / "dockerd.log").open("ab")
    return subprocess.Popen(
        [
            "dockerd", "--iptables=false", "--ip-masq=false", "--bridge=none",
            "--storage-driver=vfs", "--host", f"unix://{root / 'docker.sock'}",
            "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
            "--pidfile", str(root / "docker.pid"),
        ],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def start_engine(root: Path) -> Engine:
    root.mkdir(parents=True, exist_ok=True)
    engine = Engine(root, _spawn(root))
    try:
        engine.wait_ready()
        busybox = _busybox()
        assert busybox is not None
        engine.import_image(busybox)
    except BaseException:
        engine.stop()
        raise
    return engine


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    reason = why_no_dockerd()
    if reason is not None:
        pytest.skip(reason)
    # A short path: a unix socket's path must stay under 108 bytes.
    root = Path(f"/tmp/ocdk-{os.getpid()}")
    engine = start_engine(root)
    try:
        yield engine
    finally:
        try:
            engine.remove_all()
        finally:
            engine.stop()
            for mounted in ("exec", "data"):  # dockerd bind-mounts its own directories
                subprocess.run(["umount", "-R", str(root / mounted)], capture_output=True)
            shutil.rmtree(root, ignore_errors=True)
