"""The OpenClaw API stand-in behaves like the real one: JWT signature and expiry checked, the
idempotency key honoured, the order really re-processed in PostgreSQL, unknown orders 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.openclaw_api import OpenClawApi, make_jwt

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(
    sandbox_db: SandboxDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenClawApi]:
    with OpenClawApi(sandbox_db.adapter_dsn, Path(tmp_path_factory.mktemp("api"))) as server:
        yield server


async def _failed_order(dsn: str) -> tuple[str, str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT order_id, platform, shop_id FROM orders WHERE status = 'failed' "
            "ORDER BY order_id LIMIT 1"
        )
    finally:
        await conn.close()
    return row["order_id"], row["platform"], row["shop_id"]


def _post(api: OpenClawApi, token: str, order: tuple[str, str, str], key: str) -> httpx.Response:
    body = {
        "workflow": "order-replay",
        "inputs": {"order_id": order[0], "platform": order[1], "shop_id": order[2]},
        "idempotency_key": key,
    }
    return httpx.post(
        f"{api.url}/v1/workflows/trigger", json=body, headers={"Authorization": f"Bearer {token}"}
    )


async def test_replay_once_per_idempotency_key(
    api: OpenClawApi, sandbox_db: SandboxDatabase
) -> None:
    order = await _failed_order(sandbox_db.adapter_dsn)
    token = api.token_file.read_text().strip()
    first = _post(api, token, order, "key-1")
    assert first.status_code == 202, first.text
    replays = api.replays
    again = _post(api, token, order, "key-1")  # a retried request: same answer, no new replay
    assert again.json() == first.json() and api.replays == replays
    conn = await asyncpg.connect(sandbox_db.adapter_dsn)
    try:
        status = await conn.fetchval("SELECT status FROM orders WHERE order_id = $1", order[0])
        failed_events = await conn.fetchval(
            "SELECT count(*) FROM order_events WHERE order_id = $1 AND status = 'failed'", order[0]
        )
    finally:
        await conn.close()
    assert status == "synced" and failed_events == 0


def test_unknown_order_is_404(api: OpenClawApi) -> None:
    token = api.token_file.read_text().strip()
    answer = _post(api, token, ("000-0000000-0000000", "amazon", "shop_1"), "key-404")
    assert answer.status_code == 404 and "not found" in answer.json()["error"]


def test_expired_and_forged_tokens_are_401(api: OpenClawApi) -> None:
    order = ("000-0000000-0000000", "amazon", "shop_1")
    expired = make_jwt(api.key, "oncall", -1)
    assert _post(api, expired, order, "k1").json() == {"error": "token expired"}
    forged = make_jwt(b"not-the-key", "oncall", 3600)
    answer = _post(api, forged, order, "k2")
    assert answer.status_code == 401 and answer.json() == {"error": "bad signature"}
    assert _post(api, "not-a-jwt", order, "k3").json() == {"error": "malformed token"}
