"""Metrics for the sandbox fleet: an exporter, its history, and a real or stand-in Prometheus."""

from .model import SandboxPod
from .runner import MetricsSandbox

__all__ = ["MetricsSandbox", "SandboxPod"]
