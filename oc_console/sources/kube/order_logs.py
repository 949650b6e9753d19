"""The log lines about one order: from a container's log since a time, the lines that carry
the order id or one of its trace ids. Bounded three ways: `limitBytes` asked of the kubelet,
lines cut at MAX_LINE_BYTES, and at most `keep` matching lines kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from oc_console.domain.kube import LogLine
from oc_console.sources.kube.client import KubeClient, describe_error, get, iter_lines
from oc_console.sources.kube.logs import MAX_LINE_BYTES, TAIL_LIMIT_BYTES, parse_log_line


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def mentions(line: LogLine, needles: Iterable[str]) -> bool:
    """The line names one of the needles, in its JSON fields or anywhere in its text."""
    for needle in needles:
        if needle and (
            line.order_id == needle
            or line.trace_id == needle
            or needle in line.msg
            or needle in (line.raw or "")
        ):
            return True
    return False


def read_since(
    client: KubeClient,
    namespace: str,
    pod: str,
    container: str,
    since: datetime,
    needles: tuple[str, ...],
    *,
    keep: int = 500,
    limit_bytes: int = TAIL_LIMIT_BYTES,
    timeout: float = 10.0,
) -> tuple[tuple[LogLine, ...], str | None]:
    """Matching lines since `since`, oldest first, or the error in one line."""
    query: dict[str, object] = {
        "container": container,
        "sinceTime": _rfc3339(since),
        "limitBytes": limit_bytes,
    }
    path = "/api/v1/namespaces/{namespace}/pods/{name}/log"
    try:
        response = get(client, path, query, (timeout, timeout), namespace=namespace, name=pod)
    except Exception as exc:
        return (), describe_error(exc, client, "get", "pods/log", namespace)
    found: list[LogLine] = []
    try:
        for raw in iter_lines(response, MAX_LINE_BYTES):
            line = parse_log_line(raw)
            if mentions(line, needles):
                found.append(line)
                if len(found) >= keep:
                    break
    except Exception as exc:
        response.close()
        return tuple(found), describe_error(exc, client, "get", "pods/log", namespace)
    response.close()
    return tuple(found), None
