"""Talking to the API server: load credentials the way kubectl does, read raw responses as
lines, and turn every failure into one sentence for a person.

`kubernetes` is imported inside functions: it costs a quarter of a second, and the console
must paint its first frame before any cluster is contacted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from oc_console.config import KubernetesConfig
from oc_console.errors import SourceError
from oc_console.exposure import http_insecure
from oc_console.redact import redact

IN_CLUSTER = "in-cluster"
JSON = "application/json"
# Metadata only, as client-go's metadata client asks: the server sends each object's
# `metadata` and nothing else (no Secret `data`). No plain-JSON fallback on purpose: a server
# that cannot do this answers 406 rather than the whole objects.
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA_OBJECT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


def accept_header(metadata_only: bool, listing: bool) -> str:
    """What a list (or a watch or get) asks for: the objects, or their metadata only."""
    if not metadata_only:
        return JSON
    return METADATA_LIST if listing else METADATA_OBJECT


# One JSON line of a watch or a log: far above any real object (etcd caps them at 1.5 MB).
MAX_LINE_BYTES = 16 * 1024 * 1024
READ_CHUNK = 256 * 1024


@dataclass
class KubeClient:
    api: Any  # kubernetes.client.ApiClient
    context: str
    server: str
    insecure: str | None = None  # why credentials cross the network readable, if they do

    def close(self) -> None:
        self.api.close()


def kubeconfig_paths(cfg: KubernetesConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """kubectl's order: --kubeconfig, then $KUBECONFIG (a list, merged), then ~/.kube/config.
    None means no kubeconfig exists, so only in-cluster credentials remain."""
    env = os.environ if environ is None else environ
    if cfg.kubeconfig:
        path = Path(cfg.kubeconfig).expanduser()
        if not path.exists():
            raise SourceError(f"kubeconfig {path} not found")
        return str(path)
    listed = [p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        existing = [str(Path(p).expanduser()) for p in listed if Path(p).expanduser().exists()]
        if not existing:
            raise SourceError(f"KUBECONFIG names no existing file: {env['KUBECONFIG']}")
        return os.pathsep.join(existing)
    home = env.get("HOME")
    default = Path(home, ".kube", "config") if home else Path("~/.kube/config").expanduser()
    return str(default) if default.exists() else None


def context_names(cfg: KubernetesConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every context of the kubeconfig kubectl would read, in its order (`--all-contexts`)."""
    paths = kubeconfig_paths(cfg, environ)
    if paths is None:
        raise SourceError(
            "no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
        )
    import_kubernetes()
    from kubernetes.config import kube_config
    from kubernetes.config.config_exception import ConfigException

    config: Any = kube_config  # the config loaders carry no type hints
    try:
        contexts, _ = config.list_kube_config_contexts(paths)
    except ConfigException as exc:
        raise SourceError(f"kubeconfig: {str(exc).splitlines()[0]}") from None
    return [str(c["name"]) for c in contexts or ()]


# The package's modules import each other in cycles: two threads importing it for the first
# time at once can deadlock (Python raises _DeadlockError) or see a half-built module.
_FIRST_IMPORT = threading.Lock()


def import_kubernetes() -> None:
    """Import, once and under a lock, every part of `kubernetes` used anywhere here; later
    imports inside functions then only read sys.modules."""
    with _FIRST_IMPORT:
        import kubernetes.client.api_client
        import kubernetes.client.configuration
        import kubernetes.client.exceptions
        import kubernetes.config.config_exception
        import kubernetes.config.incluster_config
        import kubernetes.config.kube_config  # noqa: F401


def connect(cfg: KubernetesConfig, environ: Mapping[str, str] | None = None) -> KubeClient:
    """An ApiClient for the chosen context, or for the pod's service account in a cluster."""
    import_kubernetes()
    from kubernetes.client.api_client import ApiClient
    from kubernetes.client.configuration import Configuration
    from kubernetes.config import incluster_config, kube_config
    from kubernetes.config.config_exception import ConfigException

    config: Any = kube_config  # the config loaders carry no type hints
    in_cluster: Any = incluster_config

    configuration = Configuration()
    # Our watch loop backs off itself; urllib3's own retries would only delay the message.
    configuration.retries = 1
    configuration.keep_alive = True  # TCP keepalive notices a watch whose peer vanished
    configuration.connection_pool_maxsize = 64  # one connection per watch stream, kept
    env = os.environ if environ is None else environ
    paths = kubeconfig_paths(cfg, env)
    try:
        if paths is None:
            if not env.get("KUBERNETES_SERVICE_HOST"):
                raise SourceError(
                    "no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
                )
            in_cluster.load_incluster_config(client_configuration=configuration)
            context = cfg.context or IN_CLUSTER
        else:
            contexts, current = config.list_kube_config_contexts(paths)
            names = [c["name"] for c in contexts or ()]
            context = cfg.context or (current or {}).get("name") or ""
            if context not in names:
                have = ", ".join(names) or "none"
                raise SourceError(f"context {context or '(none)'} not in {paths} (have: {have})")
            config.load_kube_config(
                config_file=paths,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except ConfigException as exc:
        raise SourceError(f"kubeconfig: {str(exc).splitlines()[0]}") from None
    except OSError as exc:
        raise SourceError(f"kubeconfig: {exc.strerror}: {exc.filename}") from None
    has_credentials = bool(
        configuration.api_key or configuration.username or configuration.cert_file
    )
    insecure = http_insecure(configuration.host, has_credentials)
    return KubeClient(ApiClient(configuration), context, configuration.host, insecure)


def get(
    client: KubeClient,
    path: str,
    query: dict[str, object],
    timeout: tuple[float, float],
    accept: str = JSON,
    **path_params: str,
) -> Any:
    """GET an API path and hand back the unread urllib3 response (`accept`: the form asked
    for, e.g. METADATA_LIST).

    This goes through the official ApiClient (kubeconfig auth, token refresh, TLS, proxies)
    but not its generated API classes: CoreV1Api alone costs 0.45 s and 20 MB to import and
    validates every call with pydantic, and all this source needs is a URL and raw bytes.
    """
    from kubernetes.client.exceptions import ApiException

    method, url, headers, body, post = client.api.param_serialize(
        "GET",
        path,
        path_params=path_params or None,
        query_params=[(k, v) for k, v in query.items() if v is not None],
        header_params={"Accept": accept},
        auth_settings=["BearerToken"],
    )
    response = client.api.call_api(method, url, headers, body, post, _request_timeout=timeout)
    if not 200 <= response.status <= 299:
        response.read()
        raise ApiException.from_response(http_resp=response, body=None, data=None)
    return response.response


def _status_message(body: object) -> str:
    """The `message` of a Kubernetes Status body, if the body is one."""
    if isinstance(body, bytes | str) and body:
        try:
            status = orjson.loads(body)
        except orjson.JSONDecodeError:
            return ""
        if isinstance(status, dict):
            return str(status.get("message") or "")
    return ""


def _network_reason(exc: BaseException) -> str:
    """What went wrong on the wire, from urllib3's nested exceptions."""
    seen: BaseException | None = exc
    while seen is not None:
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException) and reason is not seen:
            seen = reason
            continue
        break
    text = str(seen)
    lowered = text.lower()
    if isinstance(seen, ConnectionRefusedError) or "connection refused" in lowered:
        return "connection refused"
    if "timed out" in lowered or isinstance(seen, TimeoutError):
        return "timed out"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name not found"
    if "certificate verify failed" in lowered:
        return "TLS certificate verify failed"
    if "reset by peer" in lowered or "connection aborted" in lowered:
        return "connection reset"
    return text.split(": ", 1)[-1].splitlines()[0] if text else type(seen).__name__


def describe_error(
    exc: BaseException, client: KubeClient, verb: str, resource: str, namespace: str
) -> str:
    """One line for a person: what failed, for whom, and what is missing; never a
    credential (a server URL with user info, a token echoed by a proxy)."""
    return redact(_describe(exc, client, verb, resource, namespace))


def _describe(
    exc: BaseException, client: KubeClient, verb: str, resource: str, namespace: str
) -> str:
    import urllib3
    from kubernetes.client.exceptions import ApiException

    where = f"in namespace {namespace}" if namespace else "cluster-wide"
    if isinstance(exc, ApiException):
        status = exc.status or 0
        detail = _status_message(exc.body)
        if status == 401:
            return f"401 Unauthorized: token rejected for context {client.context}"
        if status == 403:
            who = ""
            if 'User "' in detail:
                who = " (user " + detail.split('User "', 1)[1].split('"', 1)[0] + ")"
            return f"403: cannot {verb} {resource} {where}{who}"
        if status == 404:  # a named object that is missing, or an API that is not installed
            return f"404: {detail or f'{resource} not served by {client.server}'}"
        if status == 0:  # the client's own wrapper of an SSL error
            return f"cannot reach {client.server}: {_network_reason(exc)}"
        return f"{status} {exc.reason or ''} from {client.server}: {detail or verb}".strip()
    if isinstance(exc, SourceError):
        return str(exc)
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return f"cannot reach {client.server}: {_network_reason(exc)}"
    if isinstance(exc, orjson.JSONDecodeError):
        return f"{verb} {resource} {where}: the API server sent malformed JSON"
    return f"{verb} {resource} {where}: {type(exc).__name__}: {exc}".splitlines()[0]


def _chunks(response: Any) -> Iterator[bytes]:
    """Bytes as they arrive: per HTTP chunk for watches and follows (chunked encoding), else
    whatever one read returns, so an event is never held back waiting for a full buffer."""
    if response.chunked and response.supports_chunked_reads():
        yield from response.read_chunked(READ_CHUNK, decode_content=True)
        return
    while True:
        data = response.read1(READ_CHUNK)
        if not data:
            return
        yield data


def _cut(line: bytes, max_line: int, marker: bytes) -> bytes:
    return line if len(line) <= max_line else line[:max_line] + marker


def iter_lines(
    response: Any, max_line: int = MAX_LINE_BYTES, marker: bytes = b""
) -> Iterator[bytes]:
    """Lines of a streamed urllib3 response, holding at most one line plus a chunk. A line
    longer than `max_line` is cut there and `marker` appended (the rest is dropped), so one
    runaway log line cannot exhaust memory and the reader can see that it was cut."""
    pending = b""
    skipping = False  # inside the dropped tail of an over-long line
    for chunk in _chunks(response):
        parts = (pending + chunk).split(b"\n") if pending else chunk.split(b"\n")
        pending = parts.pop()
        for line in parts:
            if skipping:
                skipping = False
            else:
                yield _cut(line, max_line, marker)
        if len(pending) > max_line:
            if not skipping:
                yield pending[:max_line] + marker
            skipping, pending = True, b""
    if pending and not skipping:
        yield _cut(pending, max_line, marker)
