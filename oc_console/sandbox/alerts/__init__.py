"""Alertmanager for the sandbox: a real one fed by the real Prometheus, or a stand-in."""

from .runner import AlertsSandbox

__all__ = ["AlertsSandbox"]
