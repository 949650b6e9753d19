"""Container logs, generated on a time grid so every read (and `follow`) agrees on the past."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass

from ..hostile import TEXT as HOSTILE_TEXT
from .scenarios import (
    ORDER_EVENT_ID,
    ORDER_ID,
    ORDER_PLATFORM,
    ORDER_SHOP_ID,
    ORDER_TRACE_ID,
)
from .timefmt import rfc3339_micro

STEP = 1.5  # seconds between two background lines of one container
WINDOW = 30 * 60.0  # background lines older than this are not kept, like a rotated log
HOSTILE_EVERY = 8  # scenario `hostile`: one background line in this many

EVENT_PREFIX = {
    "amazon": "amz",
    "shopee": "shp",
    "tiktok": "ttk",
    "lazada": "lzd",
    "coupang": "cpg",
    "walmart": "wmt",
    "shopify": "sfy",
}

Line = tuple[float, str]


@dataclass(frozen=True)
class LogSource:
    """One container instance: the running one, or the previous (terminated) one."""

    pod: str
    container: str
    platform: str
    start: float
    end: float | None  # None while it runs
    ending: str | None = None  # how it died: OOMKilled, Error
    crashing: bool = False
    signature_mismatch: bool = False
    order_anchor: float | None = None  # this container handled the scenario's order
    hostile: bool = False  # scenario `hostile`: some lines carry terminal control sequences


def _json(ts: float, level: str, msg: str, platform: str, **fields: str) -> Line:
    record = {
        "ts": rfc3339_micro(ts),
        "level": level,
        "msg": msg,
        "shop_id": fields.get("shop_id", ""),
        "platform": platform,
        "event_type": fields.get("event_type", ""),
        "trace_id": fields.get("trace_id", ""),
        "order_id": fields.get("order_id", ""),
        "event_id": fields.get("event_id", ""),
    }
    # Like the loggers of Go and most others, escape only what JSON requires: C0 controls
    # become \u001b and the like, C1 controls and bidi overrides stay raw in the line.
    return ts, json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _background(src: LogSource, ts: float) -> Line:
    rng = random.Random(f"{src.pod}/{src.container}/{ts:.1f}")
    if src.container != "adapter":
        return ts, (
            f"{rfc3339_micro(ts)}\tinfo\t{src.container}\t"
            f'{{"kind": "exporter", "data_type": "traces", "spans": {rng.randint(3, 90)}}}'
        )
    p = src.platform
    event_id = f"{EVENT_PREFIX.get(p, 'evt')}_{rng.randint(100000, 999999)}"
    fields = {
        "shop_id": f"shop-{rng.choice(('us', 'sg', 'my', 'kr', 'id'))}-{rng.randint(10000, 99999)}",
        "trace_id": f"{rng.getrandbits(128):032x}",
        "order_id": f"{rng.randint(100, 999)}-{rng.randint(10**6, 10**7 - 1)}-"
        f"{rng.randint(10**6, 10**7 - 1)}",
        "event_id": event_id,
    }
    roll = rng.random()
    if src.hostile and round(ts / STEP) % HOSTILE_EVERY == 0:
        return _json(
            ts,
            "warn",
            f"webhook rejected: product title {HOSTILE_TEXT} is not valid for the listing",
            p,
            event_type="webhook.rejected",
            **fields,
        )
    if src.signature_mismatch and roll < 0.35:
        return _json(
            ts,
            "error",
            "webhook signature mismatch: X-TTS-Signature does not match "
            "HMAC-SHA256 of request body",
            p,
            event_type="webhook.rejected",
            **fields,
        )
    if roll < 0.03:
        return _json(
            ts,
            "warn",
            "platform API rate limited (429 Too Many Requests), retry in 2s",
            p,
            event_type="order.sync.retry",
            **fields,
        )
    if roll < 0.25:
        return _json(ts, "info", "webhook received", p, event_type="webhook.received", **fields)
    return _json(ts, "info", f"event_id={event_id} SUCCESS", p, event_type="order.sync", **fields)


def _order_script(src: LogSource, at: float) -> list[Line]:
    fields = {
        "shop_id": ORDER_SHOP_ID,
        "trace_id": ORDER_TRACE_ID,
        "order_id": ORDER_ID,
        "event_id": ORDER_EVENT_ID,
    }
    p = ORDER_PLATFORM
    return [
        _json(at, "info", "webhook received", p, event_type="webhook.received", **fields),
        _json(
            at + 0.4,
            "info",
            "order sync started (attempt 1/3)",
            p,
            event_type="order.sync",
            **fields,
        ),
        _json(
            at + 1.1,
            "warn",
            "platform API rate limited (429 Too Many Requests), retry in 2s",
            p,
            event_type="order.sync.retry",
            **fields,
        ),
        _json(
            at + 3.2,
            "info",
            "order sync started (attempt 2/3)",
            p,
            event_type="order.sync",
            **fields,
        ),
        _json(
            at + 3.9,
            "warn",
            "platform API rate limited (429 Too Many Requests), retry in 4s",
            p,
            event_type="order.sync.retry",
            **fields,
        ),
        _json(
            at + 8.0,
            "info",
            "order sync started (attempt 3/3)",
            p,
            event_type="order.sync",
            **fields,
        ),
        _json(
            at + 8.6,
            "error",
            "order sync failed after 3 attempts: 429 Too Many Requests; event parked, not retried",
            p,
            event_type="order.sync.failed",
            **fields,
        ),
    ]


def _crash(src: LogSource, start: float) -> list[Line]:
    p = src.platform
    return [
        _json(start, "info", "openclaw adapter 2.15.0 starting", p, event_type="startup"),
        _json(
            start + 0.3,
            "info",
            "loading ShopSyncPolicy resources from openclaw.io/v1beta2",
            p,
            event_type="startup",
        ),
        _json(
            start + 0.5,
            "error",
            "failed to list ShopSyncPolicy: no matches for kind "
            '"ShopSyncPolicy" in version "openclaw.io/v1beta2" (CRD missing or not upgraded '
            "by Helm)",
            p,
            event_type="startup",
        ),
        *(
            [
                _json(
                    start + 0.45,
                    "error",
                    f"ShopSyncPolicy openclaw/default: invalid display name {HOSTILE_TEXT}",
                    p,
                    event_type="startup",
                )
            ]
            if src.hostile
            else []
        ),
        _json(
            start + 0.5,
            "fatal",
            "config error: CustomResourceDefinition "
            "shopsyncpolicies.openclaw.io v1beta2 not served; exiting",
            p,
            event_type="startup",
        ),
    ]


def lines(src: LogSource, since: float, until: float) -> list[Line]:
    """The container's lines with since <= ts < until, oldest first."""
    end = min(until, src.end) if src.end is not None else until
    if src.crashing:
        return [line for line in _crash(src, src.start) if since <= line[0] < end]
    first = max(src.start + 2, since, end - WINDOW)
    tick = math.ceil(first / STEP) * STEP
    result: list[Line] = []
    while tick < end:
        result.append(_background(src, tick))
        tick += STEP
    if src.order_anchor is not None:
        result.extend(
            line for line in _order_script(src, src.order_anchor) if since <= line[0] < end
        )
    if src.ending == "OOMKilled" and src.end is not None:
        result.extend(_memory_pressure(src, src.end, since))
    result.sort(key=lambda line: line[0])
    return result


def _memory_pressure(src: LogSource, died: float, since: float) -> list[Line]:
    p = src.platform
    warnings = [
        _json(
            died - 30 + i * 8,
            "warn",
            f"heap in use {470 + i * 12}Mi of 512Mi limit; "
            f"batch buffer holds {8_000 + 1500 * i} order events",
            p,
            event_type="runtime",
        )
        for i in range(4)
    ]
    return [w for w in warnings if w[0] >= since]
