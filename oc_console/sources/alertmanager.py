"""Reads Alertmanager's API v2 (`/api/v2/alerts`, `/api/v2/silences`) with httpx, and creates
and expires silences for the silence actions.

One refresh is two GETs. The whole fetch has one deadline (not httpx's per-read timeout, which a
server dripping a byte a second never trips), so a slow Alertmanager only marks itself stale.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from oc_console.config import AlertmanagerConfig
from oc_console.domain.alerts import Alert, AlertsSnapshot, Matcher, Silence
from oc_console.errors import SourceError
from oc_console.sanitize import clean

# The sandbox's stand-in says so in every answer, as the Prometheus stand-in does in a warning.
STAND_IN_HEADER = "oc-stand-in"
_SILENCE_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")


def display_url(url: str) -> str:
    """The URL without credentials, for messages."""
    u = httpx.URL(url)
    port = f":{u.port}" if u.port else ""
    return f"{u.scheme}://{u.host}{port}{u.path.rstrip('/')}"


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError("not a timestamp")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_alert(doc: dict[str, Any]) -> Alert:
    labels = doc.get("labels") or {}
    annotations = doc.get("annotations") or {}
    status = doc.get("status") or {}
    return Alert(
        fingerprint=str(doc.get("fingerprint", "")),
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
        state=str(status.get("state", "unprocessed")),
        starts_at=_time(doc.get("startsAt")),
        summary=str(annotations.get("summary") or annotations.get("description") or ""),
        silenced_by=tuple(str(s) for s in status.get("silencedBy") or ()),
        inhibited_by=tuple(str(s) for s in status.get("inhibitedBy") or ()),
    )


def parse_silence(doc: dict[str, Any]) -> Silence:
    return Silence(
        id=str(doc["id"]),
        matchers=tuple(
            Matcher(
                name=str(m["name"]),
                value=str(m["value"]),
                is_regex=bool(m.get("isRegex", False)),
                is_equal=bool(m.get("isEqual", True)),
            )
            for m in doc.get("matchers") or ()
        ),
        starts_at=_time(doc.get("startsAt")),
        ends_at=_time(doc.get("endsAt")),
        created_by=str(doc.get("createdBy", "")),
        comment=str(doc.get("comment", "")),
        state=str((doc.get("status") or {}).get("state", "")),
    )


class AlertmanagerSource:
    name = "alertmanager"

    def __init__(self, config: AlertmanagerConfig) -> None:
        if not config.url:
            raise ValueError("AlertmanagerSource needs alertmanager.url")
        self._config = config
        self._base = config.url.rstrip("/")
        self.where = display_url(config.url)
        self._client: httpx.AsyncClient | None = None
        self.stand_in = False

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            auth = None
            if self._config.username is not None:
                auth = httpx.BasicAuth(self._config.username, self._config.password or "")
            verify: Any = True
            if self._config.ca_file:
                import ssl

                verify = ssl.create_default_context(cafile=self._config.ca_file)
            self._client = httpx.AsyncClient(
                auth=auth, verify=verify, timeout=self._config.timeout_seconds
            )
        return self._client

    def _headers(self) -> dict[str, str]:
        """The bearer token is read on every call: mounted tokens rotate."""
        path = self._config.bearer_token_file
        if not path:
            return {}
        try:
            with open(path, encoding="utf-8") as f:
                return {"Authorization": f"Bearer {f.read().strip()}"}
        except OSError as exc:
            raise SourceError(
                f"cannot read the Alertmanager bearer token file {path}: {exc.strerror}"
            ) from None

    async def _call(self, method: str, path: str, body: object = None) -> Any:
        deadline = self._config.timeout_seconds
        try:
            async with asyncio.timeout(deadline):
                response = await self._http().request(
                    method, f"{self._base}{path}", json=body, headers=self._headers()
                )
        except TimeoutError:
            raise SourceError(
                f"Alertmanager at {self.where} did not answer within {deadline:g}s"
            ) from None
        except httpx.ConnectError as exc:
            reason = "certificate verify failed" if "CERTIFICATE" in str(exc) else "refused"
            raise SourceError(f"Alertmanager at {self.where} is unreachable: {reason}") from None
        except httpx.HTTPError as exc:
            raise SourceError(
                f"Alertmanager at {self.where} failed: {type(exc).__name__}"
            ) from None
        if response.status_code in (401, 403):
            raise SourceError(
                f"Alertmanager at {self.where} refused the credentials "
                f"(HTTP {response.status_code})"
            )
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:160] if response.text.strip() else ""
            raise SourceError(
                f"Alertmanager at {self.where} answered HTTP {response.status_code} to "
                f"{method} {path}: {detail}"
            )
        self.stand_in = STAND_IN_HEADER in response.headers
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise SourceError(
                f"{self.where} does not answer as Alertmanager's API v2 (is the URL right?)"
            ) from None

    async def fetch(self) -> AlertsSnapshot:
        alerts_doc, silences_doc = await asyncio.gather(
            self._call("GET", "/api/v2/alerts"), self._call("GET", "/api/v2/silences")
        )
        try:
            alerts = tuple(parse_alert(a) for a in alerts_doc)
            silences = tuple(parse_silence(s) for s in silences_doc)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise SourceError(
                f"Alertmanager at {self.where} answered in an unexpected shape"
            ) from None
        return AlertsSnapshot(alerts=alerts, silences=silences, stand_in=self.stand_in)

    async def create_silence(self, body: dict[str, object]) -> str:
        doc = await self._call("POST", "/api/v2/silences", body)
        if not isinstance(doc, dict) or "silenceID" not in doc:
            raise SourceError(f"Alertmanager at {self.where} did not return a silence id")
        return str(doc["silenceID"])

    async def expire_silence(self, silence_id: str) -> None:
        await self._call("DELETE", f"/api/v2/silence/{_checked(silence_id)}")

    async def silence(self, silence_id: str) -> Silence:
        return parse_silence(await self._call("GET", f"/api/v2/silence/{_checked(silence_id)}"))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _checked(silence_id: str) -> str:
    """Silence ids are UUIDs; anything else never reaches a URL path."""
    if not _SILENCE_ID.fullmatch(silence_id):  # `$` alone lets a final newline through
        raise SourceError(f"'{clean(silence_id[:70])}' is not a silence id")
    return silence_id
