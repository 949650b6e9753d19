"""`/metrics` for the sandbox fleet: adapters, kube-state-metrics and cAdvisor in one target."""

from __future__ import annotations

import time

from .exposition import render_text
from .http import LocalServer, QuietHandler
from .model import FleetModel


def start_exporter(model: FleetModel) -> LocalServer:
    class Exporter(QuietHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.reply(404, b"only /metrics here\n", "text/plain")
                return
            text = render_text(model.samples(time.time(), model.pods()))
            self.reply(200, text.encode(), "text/plain; version=0.0.4; charset=utf-8")

    return LocalServer(Exporter)
