"""A trace endpoint on 127.0.0.1 speaking Tempo's HTTP API (/api/search with TraceQL,
/api/traces/<id> and /api/v2/traces/<id> as OTLP protobuf) and Jaeger's api_v3
(/api/v3/traces as OTLP JSON with hex ids).

The TraceQL it accepts is exactly what the console sends, `{ span.order_id = "..." }`: the
literal is read as a JSON string, so an unescaped quote in it is a 400, as in Tempo. Every
query received is kept (`received`), so tests can check what reached the backend."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from oc_console.sandbox.traces.cases import (
    BIG,
    SandboxTrace,
    big_case,
    build_cases,
    seeded_trace_id,
)
from oc_console.sandbox.watchdog import GUARD

_TRACEQL = re.compile(r'\{\s*span\.order_id\s*=\s*("(?:[^"\\]|\\.)*")\s*\}', re.DOTALL)
_HEX_IDS = ("traceId", "spanId", "parentSpanId")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def v2_wrap(trace: bytes) -> bytes:
    """Tempo's TraceByIDResponse: the trace as field 1, then a status (field 3, COMPLETE=0
    is the default and so absent) and a message (field 4)."""
    note = b"complete"
    return b"\x0a" + _varint(len(trace)) + trace + b"\x22" + _varint(len(note)) + note


def otlp_json(data: bytes, *, hex_ids: bool) -> dict[str, Any]:
    """OTLP JSON of TracesData: hex ids as the spec (and Jaeger) has them, or protobuf's
    base64 mapping as Tempo's JSON answers do."""
    msg = TracesData()
    msg.ParseFromString(data)
    doc: dict[str, Any] = MessageToDict(msg)
    if hex_ids:
        import base64

        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    for key in _HEX_IDS:
                        if span.get(key):
                            span[key] = base64.b64decode(span[key]).hex()
    return doc


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, doc: object) -> None:
        self._send(code, json.dumps(doc).encode(), "application/json")

    def do_GET(self) -> None:
        sandbox = self.server.sandbox
        if sandbox.delay:
            time.sleep(sandbox.delay)
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        sandbox.record(url.path, query)
        path = url.path
        if path == "/api/echo":
            self._send(200, b"echo", "text/plain")
        elif path == "/api/search":
            self._search(query)
        elif path.startswith(("/api/traces/", "/api/v2/traces/")):
            self._tempo_trace(path.rsplit("/", 1)[-1], v2=path.startswith("/api/v2/"))
        elif path == "/api/v3/services":
            self._json(200, {"services": sandbox.services()})
        elif path == "/api/v3/traces":
            self._jaeger_find(query)
        elif path.startswith("/api/v3/traces/"):
            self._jaeger_trace(path.rsplit("/", 1)[-1])
        else:
            self._json(404, {"error": f"no route {path}"})

    def _search(self, query: dict[str, str]) -> None:
        match = _TRACEQL.fullmatch(query.get("q", "").strip())
        if match is None:
            self._send(400, b"invalid TraceQL query: parse error", "text/plain")
            return
        try:
            order_id = json.loads(match.group(1))
        except ValueError:
            self._send(400, b"invalid TraceQL query: bad string literal", "text/plain")
            return
        start = float(query.get("start") or 0)
        end = float(query.get("end") or time.time() + 1)
        found = [
            t for t in self.server.sandbox.traces_of(order_id) if start <= t.start_ns / 1e9 <= end
        ]
        self._json(
            200,
            {
                "traces": [
                    {
                        # Tempo drops leading zeros of trace ids in search results
                        "traceID": t.trace_id.lstrip("0"),
                        "rootServiceName": "openclaw-webhook",
                        "rootTraceName": f"POST /webhooks/{t.platform}",
                        "startTimeUnixNano": str(t.start_ns),
                        "durationMs": 0,
                    }
                    for t in found
                ],
                "metrics": {"inspectedTraces": len(self.server.sandbox.cases)},
            },
        )

    def _tempo_trace(self, trace_id: str, *, v2: bool) -> None:
        trace = self.server.sandbox.trace(trace_id)
        if trace is None:
            self._send(404, b"trace not found", "text/plain")
            return
        data = trace.otlp
        if "application/protobuf" in (self.headers.get("Accept") or ""):
            self._send(200, v2_wrap(data) if v2 else data, "application/protobuf")
            return
        doc = otlp_json(data, hex_ids=False)
        body = {"trace": doc} if v2 else {"batches": doc.get("resourceSpans", [])}
        self._json(200, body)

    def _jaeger_find(self, query: dict[str, str]) -> None:
        if not query.get("query.service_name"):
            self._json(400, {"error": {"message": "service_name must not be empty"}})
            return
        try:
            attributes = json.loads(query.get("query.attributes") or "{}")
        except ValueError:
            self._json(400, {"error": {"message": "malformed query.attributes"}})
            return
        order_id = attributes.get("order_id") if isinstance(attributes, dict) else None
        found = self.server.sandbox.traces_of(order_id) if isinstance(order_id, str) else []
        if query["query.service_name"] not in self.server.sandbox.services():
            found = []  # every sandbox trace has a span of each of its services
        if not found:
            self._json(404, {"error": {"httpCode": 404, "message": "No traces found"}})
            return
        spans: list[Any] = []
        for t in found:
            spans += otlp_json(t.otlp, hex_ids=True).get("resourceSpans", [])
        self._json(200, {"result": {"resourceSpans": spans}})

    def _jaeger_trace(self, trace_id: str) -> None:
        trace = self.server.sandbox.trace(trace_id)
        if trace is None:
            self._json(404, {"error": {"httpCode": 404, "message": "trace not found"}})
            return
        self._json(200, {"result": otlp_json(trace.otlp, hex_ids=True)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: TraceSandbox


def _build_big(sender: Any, now: float) -> None:
    """In the builder process: niced, so on a small machine the console starting beside it
    comes first."""
    os.nice(19)
    sender.send(big_case(now))
    sender.close()


class TraceSandbox:
    """Start it, read `url`, stop it. `delay` slows every answer (for the benchmarks)."""

    def __init__(self, order_pod: str = "openclaw-adapter-amazon-0", order_at: float = 0.0) -> None:
        now = time.time()
        self.cases = build_cases(now, order_pod, order_at or now - 6 * 60)
        self._now = now
        self._big: SandboxTrace | None = None
        self._big_lock = threading.Lock()
        self._builder: Any = None  # a process building the 20k-span trace
        self._pending: Any = None  # the pipe it sends the trace back on
        self.delay = 0.0
        self.received: list[tuple[str, dict[str, str]]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def record(self, path: str, query: dict[str, str]) -> None:
        self.received.append((path, query))
        del self.received[:-1000]

    def _big_trace(self) -> SandboxTrace:
        """The 20k-span trace. The SDK takes seconds over it: `start` has a worker process
        build it, so neither the sandbox's threads nor the console in the same process
        (`demo`) lose the GIL to it; a request arriving sooner waits for it."""
        with self._big_lock:
            if self._big is None:
                if self._pending is not None:
                    with contextlib.suppress(Exception):  # the worker died: build it here
                        if self._pending.poll(120):
                            self._big = self._pending.recv()
                if self._big is None:
                    self._big = big_case(self._now)
                self._stop_builder()
            return self._big

    def _stop_builder(self) -> None:
        """A plain process, not a Pool: a Pool's terminate can hang for good on a worker that
        was killed from outside (a signal to the process group) while it held a queue lock."""
        builder, pending = self._builder, self._pending
        self._builder = self._pending = None
        if builder is not None:
            builder.terminate()
            builder.join(5)
            if builder.is_alive():
                builder.kill()
                builder.join()
            GUARD.forget(builder.pid)
        if pending is not None:
            pending.close()

    def traces_of(self, order_id: str) -> list[SandboxTrace]:
        if order_id == BIG[0]:
            return [self._big_trace()]
        return [t for t in self.cases if t.order_id == order_id]

    def trace(self, trace_id: str) -> SandboxTrace | None:
        wanted = trace_id.lower().zfill(32)
        if wanted == seeded_trace_id(BIG[0], 2):
            return self._big_trace()
        return next((t for t in self.cases if t.trace_id == wanted), None)

    def services(self) -> list[str]:
        names = {"openclaw-webhook", "openclaw-queue"}
        names |= {f"oc-adapter-{t.platform}" for t in self.cases}
        return sorted(names)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> TraceSandbox:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.sandbox = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="trace-sandbox-http", daemon=True
        )
        self._thread.start()
        # spawn, not fork: this process runs threads (a forked child could inherit a held lock)
        try:
            context = multiprocessing.get_context("spawn")
            self._pending, sender = context.Pipe(duplex=False)
            self._builder = context.Process(
                target=_build_big, args=(sender, self._now), name="trace-builder", daemon=True
            )
            self._builder.start()
            sender.close()  # the child holds the only sending end now
            GUARD.watch(self._builder.pid, signal.SIGKILL)  # nothing of its work to save
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stop_builder()  # not under the lock: a request may be waiting on the builder
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
