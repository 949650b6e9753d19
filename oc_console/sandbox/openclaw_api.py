"""The OpenClaw workflow API stand-in: `POST /v1/workflows/trigger` with an `order-replay`
workflow really re-processes the order in the sandbox's PostgreSQL.

Like the real API it checks the bearer JWT (HS256 signature and `exp`), honours the
idempotency key (a retried request gets the first answer back and replays nothing), answers 404
for an unknown order, and 409 when another session holds the order's row lock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import orjson

REPLAY = """
UPDATE orders SET status = 'synced', updated_at = now()
WHERE order_id = $1 AND platform = $2 AND shop_id = $3
RETURNING status
"""
EVENTS = """
UPDATE order_events
SET status = 'processed', attempts = attempts + 1, last_error = NULL, processed_at = now()
WHERE order_id = $1 AND status = 'failed'
"""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_jwt(key: bytes, subject: str, expires_in: float) -> str:
    head = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    body = _b64(orjson.dumps({"sub": subject, "exp": int(time.time() + expires_in)}))
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def check_jwt(key: bytes, token: str) -> str | None:
    """None when the token is good, else why not."""
    try:
        head, body, sig = token.split(".")
        header = orjson.loads(_unb64(head))
        claims = orjson.loads(_unb64(body))
        given = _unb64(sig)
    except (ValueError, orjson.JSONDecodeError):
        return "malformed token"
    if header.get("alg") != "HS256":
        return "unsupported algorithm"
    good = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(good, given):
        return "bad signature"
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        return "token expired"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the sandbox runs quietly
        return

    def _answer(self, code: int, doc: dict[str, Any]) -> None:
        body = orjson.dumps(doc)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path != "/v1/workflows/trigger":
            self._answer(404, {"error": "not found"})
            return
        auth = self.headers.get("Authorization", "")
        why = check_jwt(self.server.key, auth.removeprefix("Bearer ")) if auth else "no token"
        if why is not None:
            self._answer(401, {"error": why})
            return
        try:
            doc = orjson.loads(raw)
            inputs = doc["inputs"]
            order = (str(inputs["order_id"]), str(inputs["platform"]), str(inputs["shop_id"]))
            key = str(doc["idempotency_key"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self._answer(400, {"error": "need workflow, inputs{order_id,platform,shop_id}, "
                                        "idempotency_key"})  # fmt: skip
            return
        if doc.get("workflow") != "order-replay":
            self._answer(400, {"error": f"unknown workflow {doc.get('workflow')!r}"})
            return
        code, answer = self.server.replay(key, order)
        self._answer(code, answer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, dsn: str, key: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.dsn, self.key = dsn, key
        self.seen: dict[str, tuple[int, dict[str, Any]]] = {}
        self.replays = 0  # orders actually re-processed (tests count them)
        self._lock = threading.Lock()

    def replay(self, key: str, order: tuple[str, str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:  # one request per key at a time: a retry waits for the first answer
            if key in self.seen:
                return self.seen[key]
            code, answer = asyncio.run(self._process(order))
            if code < 500:
                self.seen[key] = (code, answer)
            return code, answer

    async def _process(self, order: tuple[str, str, str]) -> tuple[int, dict[str, Any]]:
        conn = await asyncpg.connect(
            self.dsn, server_settings={"application_name": "openclaw-replay", "lock_timeout": "3s"}
        )
        try:
            async with conn.transaction():
                row = await conn.fetchrow(REPLAY, *order)
                if row is None:
                    return 404, {"error": f"order {order[0]} not found for {order[1]}/{order[2]}"}
                await conn.execute(EVENTS, order[0])
        except asyncpg.LockNotAvailableError:
            return 409, {"error": f"order {order[0]} is locked by another session"}
        finally:
            await conn.close()
        self.replays += 1
        return 202, {"run_id": uuid.uuid4().hex[:16], "status": "completed", "order": order[0]}


class OpenClawApi:
    """`with OpenClawApi(dsn, workdir) as api: api.url, api.token_file`."""

    def __init__(self, dsn: str, workdir: Path) -> None:
        self.dsn = dsn
        self.workdir = Path(workdir)
        self.key = secrets.token_bytes(32)
        self.token_file = self.workdir / "openclaw.jwt"
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def replays(self) -> int:
        return self._server.replays if self._server else 0

    def write_token(self, expires_in: float = 12 * 3600) -> str:
        token = make_jwt(self.key, "oncall@openclaw.io", expires_in)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.token_file.touch(mode=0o600)
        self.token_file.write_text(token + "\n", encoding="utf-8")
        return token

    def start(self) -> OpenClawApi:
        self.write_token()
        self._server = _Server(self.dsn, self.key)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="openclaw-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> OpenClawApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
