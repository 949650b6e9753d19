"""A stand-in for Alertmanager when no real one (or no real Prometheus to feed it) can run.

It answers the part of API v2 the console uses (`/api/v2/alerts`, `/api/v2/silences`,
`/api/v2/silence/<id>`) with alerts computed from the sandbox model under the same conditions as
the shipped rules, and keeps silences in memory with Alertmanager's semantics (a matching active
silence suppresses an alert; DELETE expires it). Every answer carries a header saying it is a
stand-in, which the console shows.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from oc_console.sources.alertmanager import STAND_IN_HEADER

from ..metrics.http import LocalServer, QuietHandler
from ..metrics.model import FleetModel

Labels = dict[str, str]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def firing(model: FleetModel, t: float) -> list[tuple[Labels, str]]:
    """(labels, summary) of every alert the shipped rules would fire at time t."""
    out: list[tuple[Labels, str]] = []
    pods = model.pods()
    for pod in pods:
        if pod.last_terminated_reason == "OOMKilled":
            labels = {"namespace": pod.namespace, "pod": pod.pod, "container": pod.container}
            out.append(
                (
                    {"alertname": "AdapterOOMKilled", "severity": "critical", **labels},
                    f"{pod.pod} was OOMKilled",
                )
            )
    for platform, namespace in sorted(model.platforms(pods).items()):
        where = {"namespace": namespace, "platform": platform}
        rates = model.status_rates(platform)
        total = sum(rates.values()) or 1.0
        errors = sum(r for s, r in rates.items() if s.startswith("5")) / total
        if errors > 0.05:
            out.append(
                (
                    {"alertname": "AdapterHighErrorRate", "severity": "critical", **where},
                    f"{platform} adapter: {errors:.0%} of calls get 5xx",
                )
            )
        if rates.get("429", 0.0) / total > 0.2:
            out.append(
                (
                    {"alertname": "AdapterThrottled", "severity": "warning", **where},
                    f"{platform} rate-limits {rates['429'] / total:.0%} of calls",
                )
            )
        if model.queue(platform, t)[1] > 600:
            out.append(
                (
                    {"alertname": "QueueBacklog", "severity": "warning", **where},
                    f"{platform} queue backs up",
                )
            )
        if model.signature_failure_rate(platform) > 0:
            out.append(
                (
                    {"alertname": "WebhookSignatureMismatch", "severity": "critical", **where},
                    f"{platform} webhooks fail signature verification",
                )
            )
        if t - model.feed_last_success(platform, t) > 3600:
            out.append(
                (
                    {"alertname": "InventoryFeedStale", "severity": "warning", **where},
                    f"{platform} inventory feed has not succeeded for over an hour",
                )
            )
    if model.idle_in_transaction() > 100:
        out.append(
            (
                {
                    "alertname": "PoolIdleInTransaction",
                    "severity": "critical",
                    "datname": "openclaw",
                },
                f"{model.idle_in_transaction()} sessions idle in transaction on openclaw",
            )
        )
    return out


def _matches(matcher: dict[str, Any], labels: Labels) -> bool:
    value = labels.get(str(matcher["name"]), "")
    if matcher.get("isRegex"):
        hit = re.fullmatch(str(matcher["value"]), value) is not None
    else:
        hit = value == str(matcher["value"])
    return hit if matcher.get("isEqual", True) else not hit


class _State:
    def __init__(self, model: FleetModel) -> None:
        self.model = model
        self.lock = threading.Lock()
        self.silences: dict[str, dict[str, Any]] = {}
        self.first_seen: dict[tuple[tuple[str, str], ...], float] = {}

    def _silence_state(self, s: dict[str, Any], now: float) -> str:
        if s["_ends"] <= now:
            return "expired"
        return "active" if s["_starts"] <= now else "pending"

    def silence_doc(self, s: dict[str, Any], now: float) -> dict[str, Any]:
        doc = {k: v for k, v in s.items() if not k.startswith("_")}
        doc["status"] = {"state": self._silence_state(s, now)}
        return doc

    def alerts(self, now: float) -> list[dict[str, Any]]:
        out = []
        with self.lock:
            for labels, summary in firing(self.model, now):
                key = tuple(sorted(labels.items()))
                since = self.first_seen.setdefault(key, now)
                silenced = [
                    sid
                    for sid, s in self.silences.items()
                    if self._silence_state(s, now) == "active"
                    and all(_matches(m, labels) for m in s["matchers"])
                ]
                out.append(
                    {
                        "labels": labels,
                        "annotations": {"summary": summary},
                        "startsAt": _iso(since),
                        "endsAt": _iso(now + 300),
                        "updatedAt": _iso(now),
                        "fingerprint": uuid.uuid5(uuid.NAMESPACE_OID, repr(key)).hex[:16],
                        "receivers": [{"name": "console"}],
                        "status": {
                            "state": "suppressed" if silenced else "active",
                            "silencedBy": silenced,
                            "inhibitedBy": [],
                        },
                    }
                )
        return out

    def add(self, body: dict[str, Any], now: float) -> str:
        starts = datetime.fromisoformat(str(body["startsAt"]).replace("Z", "+00:00")).timestamp()
        ends = datetime.fromisoformat(str(body["endsAt"]).replace("Z", "+00:00")).timestamp()
        if ends <= starts or not body.get("matchers") or not body.get("createdBy"):
            raise ValueError("silence needs matchers, createdBy and endsAt after startsAt")
        sid = str(uuid.uuid4())
        with self.lock:
            self.silences[sid] = {
                "id": sid,
                "matchers": list(body["matchers"]),
                "startsAt": _iso(starts),
                "endsAt": _iso(ends),
                "updatedAt": _iso(now),
                "createdBy": str(body["createdBy"]),
                "comment": str(body.get("comment", "")),
                "_starts": starts,
                "_ends": ends,
            }
        return sid

    def expire(self, sid: str, now: float) -> bool:
        with self.lock:
            s = self.silences.get(sid)
            if s is None:
                return False
            s["_ends"] = min(s["_ends"], now)
            s["endsAt"] = _iso(s["_ends"])
        return True


def start_alertmanager_stand_in(model: FleetModel, reason: str) -> LocalServer:
    state = _State(model)

    class StandIn(QuietHandler):
        def _send(self, status: int, doc: object) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header(STAND_IN_HEADER, reason)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path, now = urlsplit(self.path).path, time.time()
            if path == "/api/v2/alerts":
                self._send(200, state.alerts(now))
            elif path == "/api/v2/silences":
                with state.lock:
                    docs = [state.silence_doc(s, now) for s in state.silences.values()]
                self._send(200, docs)
            elif path.startswith("/api/v2/silence/"):
                with state.lock:
                    s = state.silences.get(path.rsplit("/", 1)[1])
                    doc = state.silence_doc(s, now) if s else None
                self._send(200, doc) if doc else self._send(404, "silence not found")
            else:
                self._send(404, f"the stand-in does not serve {path}")

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/api/v2/silences":
                self._send(404, "not found")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                sid = state.add(json.loads(self.rfile.read(length)), time.time())
            except (ValueError, KeyError, TypeError) as exc:
                self._send(400, str(exc))
                return
            self._send(200, {"silenceID": sid})

        def do_DELETE(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/api/v2/silence/") and state.expire(
                path.rsplit("/", 1)[1], time.time()
            ):
                self._send(200, None)
            else:
                self._send(404, "silence not found")

    return LocalServer(StandIn)
