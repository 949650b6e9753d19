"""`oc-console demo --vm`: the demo's incidents on a real Docker Engine, as a VM running
OpenClaw with docker compose would show them.

The engine is the user's own when $DOCKER_HOST or the default socket answers, else a private
dockerd (root only: no iptables, no bridge, vfs storage, everything under a temporary
directory). Nothing is pulled: the image is imported from the host's busybox-static. Every
container and the image carry the label `oc-console.demo`, and `stop` removes them all (and
the private dockerd with its directory). With no engine to use, one line says what it needs.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from oc_console.errors import UserError
from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.watchdog import GUARD

LABEL = "oc-console.demo"
IMAGE = "oc-console-demo/busybox:vm"
PROJECT = "openclaw"
MiB = 2**20
APPLETS = ("sh", "echo", "sleep", "cat")
QUIET = 'trap "exit 0" TERM; while :; do sleep 1; done'
MISMATCH = (
    '{"level":"error","msg":"webhook signature mismatch","platform":"tiktok",'
    '"event_type":"order.created","order_id":"576-1180-3321"}'
)
# service, script, memory, restart policy, environment: one incident each
SCENARIO_CONTAINERS: dict[str, tuple[str, str, int, str, list[str]]] = {
    "oom": ("openclaw-adapter-walmart", "x=a; while :; do x=$x$x; done", 32 * MiB, "no", []),
    "crashloop": ("openclaw-adapter-lazada", 'echo "lazada: cannot load config"; exit 1',
                  64 * MiB, "on-failure", []),
    "webhook": ("openclaw-adapter-tiktok", f"while :; do echo '{MISMATCH}'; sleep 5; done",
                64 * MiB, "always", ["TIKTOK_WEBHOOK_SECRET=d2hzZWNfMDEyMzQ1Njc4OWFiY2RlZg=="]),
    "pool": ("openclaw-adapter-amazon", QUIET, 64 * MiB, "always", []),
}  # fmt: skip
VM_SCENARIOS = tuple(SCENARIO_CONTAINERS)


def _answers(url: str) -> bool:
    if not url.startswith("unix://"):
        return False  # a tcp:// engine is the user's to point at with --docker
    path = url.removeprefix("unix://")
    try:
        with httpx.Client(transport=httpx.HTTPTransport(uds=path), timeout=2) as http:
            return http.get("http://docker/_ping").status_code == 200
    except httpx.HTTPError:
        return False


def _busybox() -> str | None:
    return next((p for p in ("/bin/busybox", "/usr/bin/busybox") if Path(p).exists()), None)


def busybox_rootfs(busybox: str, applets: tuple[str, ...] = APPLETS) -> bytes:
    """A root filesystem of busybox and its applets' symlinks, as `docker import` takes: the
    one image that can be made where nothing can be pulled."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d in ("bin", "tmp"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, "bin/busybox")
        for applet in applets:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    return buf.getvalue()


class VmSandbox:
    def __init__(self, scenarios: frozenset[str], environ: dict[str, str] | None = None) -> None:
        self.scenarios = scenarios & set(VM_SCENARIOS)
        self._environ = dict(os.environ if environ is None else environ)
        self.url = ""
        self._root: Path | None = None  # the private dockerd's directory
        self._dockerd: subprocess.Popen[bytes] | None = None
        self._http: httpx.Client | None = None
        self.database: SandboxDatabase | None = None
        self._pgdir: Path | None = None

    # --- the engine -------------------------------------------------------------------------
    def _find_engine(self) -> None:
        own = self._environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if _answers(own):
            self.url = own
            return
        missing = [t for t in ("dockerd", "containerd", "runc") if shutil.which(t) is None]
        if os.geteuid() != 0 or missing:
            raise UserError(
                "demo --vm needs a Docker Engine: set DOCKER_HOST or start dockerd, or run as "
                "root with docker.io installed for a private one"
            )
        self._root = Path(tempfile.mkdtemp(prefix="ocvm-", dir="/tmp"))  # a short socket path
        sock = self._root / "docker.sock"
        log = (self._root / "dockerd.log").open("wb")
        self._dockerd = subprocess.Popen(
            ["dockerd", "--iptables=false", "--ip-masq=false", "--bridge=none",
             "--storage-driver=vfs", "--shutdown-timeout=1", "--host", f"unix://{sock}",
             "--data-root", str(self._root / "data"), "--exec-root", str(self._root / "exec"),
             "--pidfile", str(self._root / "docker.pid")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        # however this process ends, the dockerd and its directory go with it
        GUARD.watch(self._dockerd.pid)
        GUARD.remove_on_exit(str(self._root))
        self.url = f"unix://{sock}"
        deadline = time.monotonic() + 30
        while not _answers(self.url):
            if self._dockerd.poll() is not None or time.monotonic() > deadline:
                raise UserError(f"demo --vm: dockerd did not start (see {self._root}/dockerd.log)")
            time.sleep(0.2)

    def _api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        assert self._http is not None
        resp = self._http.request(method, f"/v1.41{path}", **kwargs)
        if resp.status_code >= 400:
            raise UserError(f"demo --vm: Docker Engine {method} {path}: {resp.text[:200]}")
        return resp

    # --- start, stop ------------------------------------------------------------------------
    def start(self) -> VmSandbox:
        busybox = _busybox()
        if busybox is None:
            raise UserError("demo --vm needs busybox-static (apt-get install busybox-static)")
        try:
            self._find_engine()
            path = self.url.removeprefix("unix://")
            self._http = httpx.Client(
                transport=httpx.HTTPTransport(uds=path), base_url="http://docker", timeout=60
            )
            repo, tag = IMAGE.split(":")
            self._api("POST", "/images/create", content=busybox_rootfs(busybox),
                      params={"fromSrc": "-", "repo": repo, "tag": tag,
                              "changes": f'LABEL {LABEL}="1"'},
                      headers={"Content-Type": "application/x-tar"})  # fmt: skip
            for name in sorted(self.scenarios):
                self._run(name, *SCENARIO_CONTAINERS[name])
            if "pool" in self.scenarios:
                self._pgdir = Path(tempfile.mkdtemp(prefix="ocvm-pg-"))
                self.database = SandboxDatabase(self._pgdir, pool_scenario=True).start()
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, scenario: str, service: str, script: str, memory: int, restart: str,
             env: list[str]) -> None:  # fmt: skip
        policy: dict[str, Any] = {"Name": restart}
        if restart == "on-failure":
            policy["MaximumRetryCount"] = 1000
        body = {
            "Image": IMAGE,
            "Cmd": ["sh", "-c", script],
            "Env": env,
            "Labels": {LABEL: scenario, "com.docker.compose.project": PROJECT,
                       "com.docker.compose.service": service},
            "HostConfig": {"NetworkMode": "none", "Memory": memory, "MemorySwap": memory,
                           "RestartPolicy": policy},
        }  # fmt: skip
        name = f"{PROJECT}-{service.rsplit('-', 1)[-1]}-1"
        cid = self._api("POST", "/containers/create", params={"name": name}, json=body).json()
        self._api("POST", f"/containers/{cid['Id']}/start")

    def flags(self) -> dict[str, object]:
        flags: dict[str, object] = {"docker.host": self.url}
        if self.database is not None:
            flags["postgres.dsn"] = self.database.dsn
        return flags

    def stop(self, timeout: float = 30.0) -> None:
        """On the user's engine, every labelled container and the image removed; a private
        dockerd is stopped and its directory removed, with everything in it (what does not
        end within `timeout` the watchdog finishes when this process exits)."""
        deadline = time.monotonic() + timeout
        if self._http is not None:
            # containers killed first, even on a private engine: a dockerd that ends with
            # them running leaves their processes and mounts behind
            self._remove_labelled(image=self._dockerd is None)
            self._http.close()
            self._http = None
        if self.database is not None:
            self.database.stop()
            self.database = None
        if self._pgdir is not None:
            shutil.rmtree(self._pgdir, ignore_errors=True)
        dockerd = self._dockerd
        if dockerd is None or self._root is None:
            return
        if dockerd.poll() is None:
            dockerd.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                dockerd.wait(max(0.1, deadline - time.monotonic()))
        if dockerd.poll() is not None:
            GUARD.forget(dockerd.pid)
            for mounted in ("exec", "data"):  # dockerd bind-mounts its own directories
                subprocess.run(["umount", "-R", str(self._root / mounted)], capture_output=True)
            shutil.rmtree(self._root, ignore_errors=True)

    def _remove_labelled(self, *, image: bool) -> None:
        with contextlib.suppress(httpx.HTTPError, UserError):
            label = f'{{"label":["{LABEL}"]}}'
            rows = self._api("GET", "/containers/json", params={"all": "1", "filters": label})
            for row in rows.json():
                self._api("DELETE", f"/containers/{row['Id']}", params={"force": "1"})
            if image:
                self._api("DELETE", f"/images/{IMAGE}", params={"force": "1"})
