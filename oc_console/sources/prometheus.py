"""Reads the PromQL catalog from any server speaking the Prometheus HTTP API (Prometheus, Thanos,
Mimir, VictoriaMetrics) with prometheus-api-client, whose blocking calls run in worker threads.

The client returns only `data.result`; a response hook keeps the whole response so the server's
warnings reach the screen and its error text reaches the message.
"""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from oc_console.config import ADAPTER_PATTERN, PrometheusConfig
from oc_console.domain.metrics import MetricsSnapshot
from oc_console.errors import SourceError
from oc_console.sources.prometheus_answers import Answer, snapshot_from
from oc_console.sources.promql import Query, catalog, platform_reader

# Retrying a slow server only doubles the wait; a refused connection or a 502/503/504 from a
# proxy in front of it is worth one more try.
_RETRY_STATUSES = (502, 503, 504)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")

_last = threading.local()  # the response the current worker thread last received


def _keep_response(response: Any, *args: Any, **kwargs: Any) -> None:
    _last.response = response


class PrometheusSource:
    name = "prometheus"

    def __init__(
        self,
        config: PrometheusConfig,
        namespaces: tuple[str, ...],
        adapter_pattern: str = ADAPTER_PATTERN,
    ) -> None:
        if not config.url:
            raise ValueError("PrometheusSource needs prometheus.url")
        self._config = config
        self._url = config.url.rstrip("/")
        cluster = (config.cluster_label, config.cluster) if config.cluster is not None else None
        self._queries = catalog(namespaces, adapter_pattern, config.metric_names, cluster)
        self._platform_of = platform_reader(adapter_pattern)
        # Its own threads, one per query: a refresh costs one server round trip, and a slow
        # Prometheus cannot starve the default executor other sources share.
        self._executor = ThreadPoolExecutor(len(self._queries), thread_name_prefix="prometheus")
        self._client: Any = None
        self._session: Any = None

    async def fetch(self) -> MetricsSnapshot:
        loop = asyncio.get_running_loop()
        client = await loop.run_in_executor(self._executor, self._prepare)
        end = datetime.now(UTC)
        results = await asyncio.gather(
            *(
                loop.run_in_executor(self._executor, self._run, client, q, end)
                for q in self._queries
            ),
            return_exceptions=True,
        )
        answers: list[Answer] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result  # the first failure in catalog order, so the message is stable
            answers.append(result)
        try:
            return snapshot_from(answers, self._config.metric_names, self._platform_of)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise SourceError(
                f"Prometheus at {self._url} answered in an unexpected shape ({type(exc).__name__})"
            ) from None

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._session is not None:
            self._session.close()

    # --- in worker threads ---

    def _prepare(self) -> Any:
        """The client, made once (its import is slow), with the bearer token read afresh:
        mounted service-account tokens rotate."""
        if self._client is None:
            self._client = self._connect()
        if self._config.bearer_token_file:
            self._session.headers["Authorization"] = f"Bearer {self._token()}"
        return self._client

    def _connect(self) -> Any:
        import requests
        from prometheus_api_client.prometheus_connect import PrometheusConnect
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        session = requests.Session()
        session.verify = self._config.ca_file or True
        session.headers.update(self._config.headers)
        session.hooks["response"].append(_keep_response)
        _settle_environment(session, self._url, netrc=self._config.username is None)
        self._session = session
        retry = Retry(
            total=1,
            connect=1,
            read=False,
            other=0,  # a failed TLS handshake fails the same way twice
            status=1,
            status_forcelist=_RETRY_STATUSES,
            backoff_factor=0,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        # Passed as a mapping: the client's annotations say int seconds and a non-optional
        # auth, while requests takes float seconds and None.
        options: dict[str, Any] = {"timeout": self._config.timeout_seconds}
        if self._config.username is not None:
            options["auth"] = (self._config.username, self._config.password or "")
        client = PrometheusConnect(url=self._url, retry=retry, session=session, **options)
        # The client's adapter pools 10 connections: of a refresh's queries, all at once, one
        # would have its connection closed after each and a new one opened for the next.
        pooled = HTTPAdapter(max_retries=retry, pool_maxsize=len(self._queries))
        session.mount(self._url, pooled)
        return client

    def _token(self) -> str:
        path = self._config.bearer_token_file or ""
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as exc:
            raise SourceError(
                f"cannot read the Prometheus bearer token file {path}: {exc.strerror}"
            ) from None

    def _run(self, client: Any, query: Query, end: datetime) -> Answer:
        import requests
        from prometheus_api_client.exceptions import PrometheusApiClientException

        _last.response = None
        # The server gives up when the console does, instead of finishing a query nobody reads.
        params = {"timeout": str(self._config.timeout_seconds)}
        try:
            if query.range_seconds:
                result = client.custom_query_range(
                    query.promql,
                    start_time=end - timedelta(seconds=query.range_seconds),
                    end_time=end,
                    step=str(query.step_seconds),
                    params=params,
                )
            else:
                result = client.custom_query(query.promql, params=params)
        except requests.exceptions.Timeout:
            timeout = self._config.timeout_seconds
            raise SourceError(
                f"Prometheus at {self._url} did not answer within {timeout:g}s"
            ) from None
        except requests.exceptions.SSLError as exc:
            raise SourceError(
                f"TLS to Prometheus at {self._url} failed: {_reason(exc)}"
                " (set prometheus.ca_file to its CA)"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise SourceError(f"Prometheus at {self._url} is unreachable: {_reason(exc)}") from None
        except PrometheusApiClientException:
            raise self._http_error(query) from None
        except (ValueError, KeyError, TypeError):
            raise SourceError(
                f"{self._url} does not answer as a Prometheus API (is the URL right?)"
            ) from None
        # The client rounds the range to whole seconds; its last step is the rounded end.
        range_end = float(round(end.timestamp())) if query.range_seconds else None
        return Answer(query, result, _warnings(_last.response), range_end)

    def _http_error(self, query: Query) -> SourceError:
        response = _last.response
        status = response.status_code if response is not None else 0
        detail = _error_text(response)
        if status in (401, 403):
            return SourceError(
                f"Prometheus at {self._url} refused the credentials (HTTP {status}): check "
                "prometheus.bearer_token_file or username/password"
            )
        if status in (400, 422):
            return SourceError(
                f"Prometheus at {self._url} rejected the '{query.name}' query "
                f"(HTTP {status}): {detail}"
            )
        return SourceError(f"Prometheus at {self._url} failed (HTTP {status}): {detail}")


def _settle_environment(session: Any, url: str, *, netrc: bool) -> None:
    """The proxies, CA bundle and .netrc login the environment gives `url`, read once: left to
    requests, every query reads the whole environment again, twice (most of the CPU a quiet
    console spends on Prometheus). The environment does not change while the console runs."""
    import requests.utils

    settings = session.merge_environment_settings(url, {}, None, session.verify, None)
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    if netrc and session.auth is None:
        session.auth = requests.utils.get_netrc_auth(url)
    session.trust_env = False


def _reason(exc: BaseException) -> str:
    text = str(exc)
    found = _ERRNO.search(text)
    if found:
        return found.group(1).strip()
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "certificate verify failed"
    return text.splitlines()[0][:160] if text else type(exc).__name__


def _body(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _warnings(response: Any) -> tuple[str, ...]:
    # Most answers carry no warnings: look before parsing the body a second time.
    if response is None or b'"warnings"' not in response.content:
        return ()
    return tuple(str(w) for w in _body(response).get("warnings") or ())


def _error_text(response: Any) -> str:
    if response is None:
        return "no response"
    body = _body(response)
    if "error" in body:
        kind = body.get("errorType")
        return f"{kind}: {body['error']}" if kind else str(body["error"])
    text = response.text.strip().splitlines()
    return text[0][:160] if text else response.reason or "no detail"
