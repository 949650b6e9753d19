"""replay an order through the OpenClaw workflow API:
POST {api}/v1/workflows/trigger {"workflow": "order-replay", "inputs": {...}, "idempotency_key"}.

The bearer token (a JWT) is read from its file or the environment on every call, so a rotated
token is picked up, and it is never shown: the preview prints the request with it redacted.
The idempotency key is derived from the order and its attempt count only (never from who runs
it, or when): a retried request, or a second operator replaying the same failed attempt, replays
it once, while a replay after a new failed attempt gets a new key. Verified by reading the
order's state back from PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from oc_console.runbook.actions.backend import pg_access
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Preview,
    Progress,
    Refused,
)

WORKFLOW = "order-replay"
TOKEN_FILE_ENV = "OC_OPENCLAW_TOKEN_FILE"
TOKEN_ENV = "OC_OPENCLAW_TOKEN"
ORDER = """
SELECT o.order_id, o.platform, o.shop_id, o.status, o.updated_at,
       (SELECT coalesce(max(e.attempts), 0) FROM order_events e
        WHERE e.order_id = o.order_id) AS attempt
FROM orders o WHERE o.order_id = $1
"""
DONE_STATES = frozenset({"synced"})
FAILED_STATES = frozenset({"failed"})


def read_token(token_file: str | None) -> str:
    """The JWT, fresh from its file (config, then $OC_OPENCLAW_TOKEN_FILE) or $OC_OPENCLAW_TOKEN."""
    path = token_file or os.environ.get(TOKEN_FILE_ENV)
    if path:
        try:
            token = Path(path).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ActionFailed(
                f"cannot read the OpenClaw token file {path}: {exc.strerror}"
            ) from None
        if not token:
            raise ActionFailed(f"the OpenClaw token file {path} is empty")
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ActionFailed(f"no OpenClaw API token: set openclaw.token_file or {TOKEN_ENV}")
    return token


def idempotency_key(order_id: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{order_id}\x00{attempt}".encode()).hexdigest()
    return f"oc-replay-{digest[:32]}"


class Replay(Action):
    kind = "replay"
    title = "replay order"
    _order: Any = None
    _body: dict[str, Any] | None = None

    @property
    def leased(self) -> bool:
        return True

    def _api(self, env: ActionEnv) -> str:
        api = env.config.openclaw.api
        if not api:
            raise ActionFailed("the OpenClaw API is not configured (--openclaw-api)")
        return api.rstrip("/") + "/v1/workflows/trigger"

    def _shown(self, env: ActionEnv) -> str:
        """The URL for the preview and the audit log: never credentials in its user part."""
        parts = urlsplit(self._api(env))
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit(parts._replace(netloc=netloc))

    async def _read(self, env: ActionEnv) -> Any:
        return await pg_access(env).fetchrow(ORDER, self.target.name)

    async def check(self, env: ActionEnv) -> None:
        self._api(env)
        row = await self._read(env)
        if row is None:
            raise Refused("precondition", f"order {self.target.name} is not in the orders table")
        if row["status"] in DONE_STATES:
            raise Refused("precondition", f"order {self.target.name} is already {row['status']}")
        self._order = row

    async def current_version(self, env: ActionEnv) -> str:
        row = await self._read(env)
        return f"{row['status']}|{row['updated_at'].isoformat()}" if row else "gone"

    async def preview(self, env: ActionEnv) -> Preview:
        if self._order is None:
            await self.check(env)
        o = self._order
        key = idempotency_key(o["order_id"], int(o["attempt"]))
        inputs = {"order_id": o["order_id"], "platform": o["platform"], "shop_id": o["shop_id"]}
        self._body = {"workflow": WORKFLOW, "inputs": inputs, "idempotency_key": key}
        url = self._shown(env)
        request = (
            f"POST {url}\nAuthorization: Bearer <redacted>\nContent-Type: application/json\n\n"
            + orjson.dumps(self._body, option=orjson.OPT_INDENT_2).decode()
        )
        return Preview(
            summary=f"replay order {o['order_id']} ({o['platform']}, {o['shop_id']}, "
            f"now {o['status']})",
            detail=request,
            version=f"{o['status']}|{o['updated_at'].isoformat()}",
            facts={"status": o["status"], "idempotency_key": self._body["idempotency_key"]},
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        import httpx

        token = read_token(env.config.openclaw.token_file)
        url = self._api(env)
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                answer = await client.post(
                    url, json=self._body, headers={"Authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError as exc:
            raise ActionFailed(f"cannot reach the OpenClaw API: {type(exc).__name__}") from None
        if answer.status_code == 401:
            raise ActionFailed("the OpenClaw API rejected the token (expired or bad signature)")
        if answer.status_code == 404:
            raise ActionFailed(f"the OpenClaw API does not know order {self.target.name}")
        if not 200 <= answer.status_code <= 299:
            raise ActionFailed(f"the OpenClaw API answered {answer.status_code}")
        try:
            run = orjson.loads(answer.content).get("run_id", "")
        except (orjson.JSONDecodeError, AttributeError):
            run = ""
        return f"replay accepted{f' (run {run})' if run else ''}"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        deadline = time.monotonic() + 30
        progress(f"waiting for order {self.target.name} to leave {self._order['status']}...")
        while True:
            row = await self._read(env)
            if row is not None and row["status"] in DONE_STATES:
                return f"order {self.target.name} is now {row['status']}"
            if time.monotonic() >= deadline:
                state = row["status"] if row else "gone"
                raise ActionFailed(f"order {self.target.name} still {state} after 30s")
            await asyncio.sleep(env.poll_interval)
