"""The sandbox's trace endpoint: Tempo's and Jaeger's HTTP APIs over traces made by the
OpenTelemetry SDK."""

from oc_console.sandbox.traces.server import TraceSandbox

__all__ = ["TraceSandbox"]
