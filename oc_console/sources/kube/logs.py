"""Pod logs: a tail, the previous container's tail, or a follow, parsed with the OpenClaw
convention (one JSON object a line) and kept in bounded memory."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from oc_console.domain.kube import LogLine
from oc_console.sources.kube.client import KubeClient, describe_error, get, iter_lines

MAX_LINE_BYTES = 64 * 1024  # a 10 MB line is cut here; the console shows lines, not files
CUT_MARKER = " …[line cut at 64 KB]".encode()
FOLLOW_KEEP_BYTES = 16 * 1024 * 1024  # 5,000 lines of 64 KB would be 320 MB
TAIL_LIMIT_BYTES = 2 * 1024 * 1024  # asked of the kubelet, so a tail never ships megabytes
FOLLOW_KEEP = 5_000
FOLLOW_READ_TIMEOUT = 24 * 3600.0  # a quiet pod is not a dead connection
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIELDS = ("platform", "shop_id", "event_type", "trace_id", "order_id", "event_id")


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def is_signature_mismatch(text: str) -> bool:
    lowered = text.lower()
    return "signature mismatch" in lowered or "signature_mismatch" in lowered


def parse_log_line(data: bytes | str) -> LogLine:
    """A JSON line fills the fields (`ts, level, msg, shop_id, platform, event_type, trace_id,
    order_id, event_id`); anything else is kept as raw text."""
    raw = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    raw = raw.rstrip("\r\n")
    obj: Any = None
    if raw.startswith("{"):
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            obj = None
    if not isinstance(obj, dict):
        return LogLine(ts=None, level=None, msg=raw, raw=raw, signature_mismatch=_flag(raw))
    msg = _text(obj.get("msg") or obj.get("message")) or ""
    fields = {k: _text(obj.get(k)) for k in _FIELDS}
    return LogLine(
        ts=_text(obj.get("ts") or obj.get("time")),
        level=_text(obj.get("level")),
        msg=msg,
        signature_mismatch=_flag(msg) or _flag(_text(obj.get("error")) or ""),
        **fields,
    )


def _flag(text: str) -> bool:
    return bool(text) and is_signature_mismatch(text)


def filter_lines(
    lines: Iterable[LogLine], *, order_id: str | None = None, trace_id: str | None = None
) -> list[LogLine]:
    """Lines about one order or trace: the field when the line is JSON, the text otherwise."""
    out = []
    for line in lines:
        if order_id and not (line.order_id == order_id or order_id in (line.raw or "")):
            continue
        if trace_id and not (line.trace_id == trace_id or trace_id in (line.raw or "")):
            continue
        out.append(line)
    return out


def _log_call(
    client: KubeClient,
    namespace: str,
    pod: str,
    container: str,
    *,
    tail: int | None,
    previous: bool,
    follow: bool,
    timeout: float,
) -> Any:
    query: dict[str, object] = {
        "container": container,
        "tailLines": tail,
        "previous": previous or None,
        "follow": follow or None,
        # A tail asks the kubelet for a bounded amount; a follow is bounded by its ring.
        "limitBytes": None if follow else TAIL_LIMIT_BYTES,
    }
    read_timeout = FOLLOW_READ_TIMEOUT if follow else timeout
    return get(
        client,
        "/api/v1/namespaces/{namespace}/pods/{name}/log",
        query,
        (timeout, read_timeout),
        namespace=namespace,
        name=pod,
    )


def read_tail(
    client: KubeClient,
    namespace: str,
    pod: str,
    container: str,
    *,
    tail: int = 200,
    previous: bool = False,
    timeout: float = 10.0,
) -> tuple[tuple[LogLine, ...], str | None]:
    """The last `tail` lines, or the error in one line (e.g. no previous container yet)."""
    try:
        response = _log_call(
            client,
            namespace,
            pod,
            container,
            tail=tail,
            previous=previous,
            follow=False,
            timeout=timeout,
        )
    except Exception as exc:
        return (), describe_error(exc, client, "get", "pods/log", namespace)
    try:
        lines = deque(
            (parse_log_line(b) for b in iter_lines(response, MAX_LINE_BYTES, CUT_MARKER)), tail
        )
    except Exception as exc:
        response.close()  # part of the body is unread: the connection cannot be reused
        return (), describe_error(exc, client, "get", "pods/log", namespace)
    response.release_conn()
    return tuple(lines), None


class LogRing:
    """The newest lines of a followed log, bounded in lines and in bytes (whichever binds
    first): a pod writing 64 KB lines must not hold 5,000 of them."""

    def __init__(self, keep: int = FOLLOW_KEEP, keep_bytes: int = FOLLOW_KEEP_BYTES) -> None:
        self._lines: deque[tuple[LogLine, int]] = deque()
        self._keep = keep
        self._keep_bytes = keep_bytes
        self.bytes = 0

    def append(self, line: LogLine, size: int) -> None:
        self._lines.append((line, size))
        self.bytes += size
        while len(self._lines) > self._keep or (
            self.bytes > self._keep_bytes and len(self._lines) > 1
        ):
            _, gone = self._lines.popleft()
            self.bytes -= gone

    def __len__(self) -> int:
        return len(self._lines)

    def lines(self) -> tuple[LogLine, ...]:
        return tuple(line for line, _ in self._lines)


class LogFollower:
    """`kubectl logs -f` into a ring of the newest lines, on a daemon thread."""

    def __init__(
        self,
        client: KubeClient,
        namespace: str,
        pod: str,
        container: str,
        *,
        tail: int = 200,
        keep: int = FOLLOW_KEEP,
        keep_bytes: int = FOLLOW_KEEP_BYTES,
        timeout: float = 10.0,
    ) -> None:
        self._args = (client, namespace, pod, container)
        self._tail = tail
        self._timeout = timeout
        self._lines = LogRing(keep, keep_bytes)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._response: Any = None
        self.received = 0  # lines seen, so a reader can tell whether anything is new
        self.error: str | None = None
        self.ended = False
        self._thread = threading.Thread(target=self._run, name=f"kube-logs-{pod}", daemon=True)

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def lines(self) -> tuple[LogLine, ...]:
        with self._lock:
            return self._lines.lines()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            # Unblocks the read waiting for the next line; closed is fine.
            with contextlib.suppress(Exception):
                response.shutdown()
        self._thread.join(timeout)

    def _run(self) -> None:
        client, namespace, pod, container = self._args
        try:
            self._response = _log_call(
                client,
                namespace,
                pod,
                container,
                tail=self._tail,
                previous=False,
                follow=True,
                timeout=self._timeout,
            )
            for raw in iter_lines(self._response, MAX_LINE_BYTES, CUT_MARKER):
                if self._stop.is_set():
                    break
                line = parse_log_line(raw)
                with self._lock:
                    self._lines.append(line, len(raw))
                    self.received += 1
        except Exception as exc:
            if not self._stop.is_set():
                self.error = describe_error(exc, client, "get", "pods/log", namespace)
        finally:
            if self._response is not None:
                self._response.close()  # a follow is never read to its end: do not pool it
            self.ended = True
