"""Alerts for the sandbox fleet: a real Alertmanager fed by the sandbox's real Prometheus, which
evaluates the shipped rules file, when both binaries are on PATH (Debian names Alertmanager's
`prometheus-alertmanager`); otherwise a stand-in that says so in every answer."""

from __future__ import annotations

import re
import shutil
from importlib.resources import files
from pathlib import Path

from ..metrics.http import LocalServer
from ..metrics.model import FleetModel
from ..metrics.runner import free_port
from ..server_process import ServerProcess
from .standin import start_alertmanager_stand_in

RULES = files(__package__).joinpath("openclaw.rules.yml")

# A null receiver: the console reads alerts from the API, nothing needs to be sent anywhere.
_CONFIG = """route:
  receiver: console
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 4h
receivers:
  - name: console
"""


def alertmanager_binary() -> str | None:
    return shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")


def drill_rules() -> str:
    """The shipped rules with every `for` at 0s, so a drill pages as soon as its scenario
    starts instead of after a production hold-down."""
    return re.sub(r"(?m)^(\s+for:) \S+$", r"\1 0s", RULES.read_text(encoding="utf-8"))


class AlertsSandbox:
    def __init__(self, workdir: Path) -> None:
        self._dir = Path(workdir)
        self._process: ServerProcess | None = None
        self._stand_in: LocalServer | None = None
        self.url: str | None = None
        self.stand_in_reason: str | None = None
        self.rules_path = self._dir / "openclaw.rules.yml"

    def start_real(self) -> str | None:
        """Start a real Alertmanager before Prometheus (so its first alerts are not lost);
        returns its address for Prometheus, or None when there is no binary."""
        binary = alertmanager_binary()
        if binary is None:
            self.stand_in_reason = "no alertmanager on PATH"
            return None
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir.mkdir(parents=True)
        self.rules_path.write_text(drill_rules(), encoding="utf-8")
        (self._dir / "alertmanager.yml").write_text(_CONFIG, encoding="utf-8")
        port = free_port()
        try:
            self._process = ServerProcess(
                [
                    binary,
                    f"--config.file={self._dir / 'alertmanager.yml'}",
                    f"--storage.path={self._dir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--cluster.listen-address=",  # one instance: no gossip port
                    "--log.level=warn",
                ],
                f"http://127.0.0.1:{port}",
                self._dir / "alertmanager.log",
            )
            self.url = self._process.url
            self._process.wait_ready()
        except (OSError, RuntimeError) as exc:
            self.stop()
            self.stand_in_reason = f"alertmanager did not start: {exc}"
            return None
        return f"127.0.0.1:{port}"

    def start_stand_in(self, model: FleetModel, reason: str) -> None:
        self.stop()
        self.stand_in_reason = reason
        self._stand_in = start_alertmanager_stand_in(model, reason)
        self.url = self._stand_in.url

    @property
    def stand_in(self) -> bool:
        return self._stand_in is not None

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None
        if self._stand_in is not None:
            self._stand_in.stop()
            self._stand_in = None
        self.url = None
