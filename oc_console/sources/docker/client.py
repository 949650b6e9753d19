"""Talking to a Docker Engine over its API (v1.41, what Debian's docker.io speaks) with httpx.

The address reads as the docker CLI reads it: `unix:///path/docker.sock`, or `tcp://host:port`
with TLS when $DOCKER_TLS_VERIFY (verified against $DOCKER_CERT_PATH/ca.pem) or $DOCKER_TLS is
set, the client certificate from the same directory. Every failure is one sentence.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from oc_console.config import DockerConfig
from oc_console.errors import SourceError
from oc_console.sources.docker.parse import PROJECT_LABEL, SERVICE_LABEL

API_VERSION = "v1.41"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def docker_host(config: DockerConfig, environ: Mapping[str, str]) -> str:
    """--docker / docker.host, else $DOCKER_HOST, else the default socket (as the CLI does)."""
    return config.host or environ.get("DOCKER_HOST") or DEFAULT_SOCKET


def _tls(environ: Mapping[str, str]) -> tuple[ssl.SSLContext | bool, str | None]:
    """The TLS settings of a tcp:// host, and why it is insecure if it is."""
    verify = bool(environ.get("DOCKER_TLS_VERIFY"))
    certs = Path(environ.get("DOCKER_CERT_PATH") or Path("~/.docker").expanduser())
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem") if verify else None)
    if not verify:  # $DOCKER_TLS alone: encrypted, the server not verified (the CLI's --tls)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    cert, key = certs / "cert.pem", certs / "key.pem"
    if cert.exists() and key.exists():
        ctx.load_cert_chain(str(cert), str(key))
    return ctx, None if verify else "the Docker Engine's certificate is not verified"


def open_client(host: str, environ: Mapping[str, str], timeout: float) -> DockerClient:
    """An httpx client for `host`; raises SourceError (one line) on an address it cannot use."""
    insecure = None
    if host.startswith("unix://"):
        path = host.removeprefix("unix://")
        transport = httpx.HTTPTransport(uds=path)
        http = httpx.Client(transport=transport, base_url="http://docker", timeout=timeout)
        return DockerClient(http, host)
    if host.startswith("tcp://"):
        tls = bool(environ.get("DOCKER_TLS_VERIFY") or environ.get("DOCKER_TLS"))
        hostport = host.removeprefix("tcp://").rstrip("/")
        if ":" not in hostport:
            hostport += ":2376" if tls else ":2375"
        verify: ssl.SSLContext | bool = False
        if tls:
            try:
                verify, insecure = _tls(environ)
            except (OSError, ssl.SSLError) as exc:
                raise SourceError(f"cannot read the Docker TLS files: {exc}") from None
        else:
            insecure = "the Docker Engine API is plain HTTP (no $DOCKER_TLS_VERIFY)"
        scheme = "https" if tls else "http"
        http = httpx.Client(base_url=f"{scheme}://{hostport}", verify=verify, timeout=timeout)
        return DockerClient(http, host, insecure)
    raise SourceError(f"unsupported Docker host {host!r}: give unix:///path or tcp://host:port")


class DockerClient:
    """A few GETs and POSTs of the Engine API; errors become SourceError with one line."""

    def __init__(self, http: httpx.Client, host: str, insecure: str | None = None) -> None:
        self.http = http
        self.host = host
        self.insecure = insecure

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            resp = self.http.request(method, f"/{API_VERSION}{path}", **kwargs)
        except httpx.ConnectError as exc:
            raise SourceError(f"cannot reach the Docker Engine at {self.host}: {exc}") from None
        except httpx.TimeoutException:
            raise SourceError(f"the Docker Engine at {self.host} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"Docker Engine at {self.host}: {exc}") from None
        if resp.status_code >= 400:
            raise SourceError(f"Docker Engine {method} {path}: {resp.status_code} {_message(resp)}")
        return resp

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        resp = self._call("GET", path, params=params)
        try:
            return orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            raise SourceError(f"Docker Engine {path}: the answer is not JSON") from None

    def post(
        self, path: str, params: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> None:
        extra = {} if timeout is None else {"timeout": timeout}
        self._call("POST", path, params=params, **extra)

    def containers(self) -> list[dict[str, Any]]:
        rows = self.get_json("/containers/json", {"all": "1"})
        return rows if isinstance(rows, list) else []

    def service(self, project: str, service: str) -> list[dict[str, Any]]:
        """Every container of one compose service, as the Engine filters them by label."""
        labels = [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={service}"]
        filters = orjson.dumps({"label": labels}).decode()
        rows = self.get_json("/containers/json", {"all": "1", "filters": filters})
        return rows if isinstance(rows, list) else []

    def restart(self, container_id: str, stop_seconds: int) -> None:
        """`docker restart -t`: the Engine answers once the container is started again."""
        path = f"/containers/{quote(container_id)}/restart"
        timeout = stop_seconds + self.http.timeout.read if self.http.timeout.read else None
        self.post(path, {"t": str(stop_seconds)}, timeout=timeout)

    def inspect(self, container_id: str) -> dict[str, Any] | None:
        """None when the container went away between the list and the inspect."""
        try:
            obj = self.get_json(f"/containers/{quote(container_id)}/json")
        except SourceError as exc:
            if " 404 " in str(exc):
                return None
            raise
        return obj if isinstance(obj, dict) else None

    def repo_digests(self, image_id: str) -> tuple[str, ...]:
        """The image's RepoDigests (repo@sha256:...); none for an image built or imported here."""
        try:
            obj = self.get_json(f"/images/{quote(image_id)}/json")
        except SourceError as exc:
            if " 404 " in str(exc):
                return ()
            raise
        digests = obj.get("RepoDigests") if isinstance(obj, dict) else None
        return tuple(str(d) for d in digests) if isinstance(digests, list) else ()

    def logs(self, container_id: str, *, tail: int, since: int = 0) -> bytes:
        params = {
            "stdout": "1",
            "stderr": "1",
            "tail": str(tail) if tail >= 0 else "all",
            "since": str(since),
        }
        return self._call("GET", f"/containers/{quote(container_id)}/logs", params=params).content


def _message(resp: httpx.Response) -> str:
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return resp.text[:200].strip()
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else ""
