"""Helm 3 release history read from its storage Secrets, without the helm binary.

Helm stores each revision as a Secret `sh.helm.release.v1.<release>.v<revision>` of type
`helm.sh/release.v1`, labelled `owner=helm,name=<release>,status=..,version=..`. Its
`data.release` is the release JSON, gzipped (releases written before Helm 3.0's compression
are plain: detect the gzip magic like Helm's decodeRelease does), then base64 encoded by Helm,
then base64 encoded again by the API as every Secret value is.

A payload is tens of KB to a few MB (chart templates, values, hooks) and decoding it costs
a gzip inflate, a JSON parse and a YAML parse of the manifest; only the shown fields and the
rendered Deployments are kept. Values are cut away right after the JSON parse
(`decode_release`): they often hold credentials. `HelmDecoder` caches rows by the Secret's
resourceVersion, so a relist or a watch event for an unchanged revision costs a dictionary
lookup.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
import threading
import zlib
from typing import Any

import orjson
import yaml

from oc_console.domain.releases import HelmRevision, WorkloadSpec
from oc_console.sources.kube.parse import parse_time
from oc_console.sources.kube.spec import READ_ERROR
from oc_console.sources.kube.workload import workload_spec

Obj = dict[str, Any]
_EMPTY: Obj = {}
_intern = sys.intern

RELEASE_SECRET_TYPE = "helm.sh/release.v1"
GZIP_MAGIC = b"\x1f\x8b\x08"  # Helm's magicGzip
MAX_RELEASE_BYTES = 64 * 1024 * 1024  # inflated; a bigger "release" is a gzip bomb
CACHE_LIMIT = 20_000  # decoded rows kept; 50 releases x 10 revisions is 500
_DOCUMENT_SPLIT = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
_DEPLOYMENT = re.compile(r"^kind:[ \t]*['\"]?Deployment['\"]?[ \t]*$", re.MULTILINE)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 10x faster
_RELEASE_KEYS = ("name", "namespace", "version", "manifest")
_INFO_KEYS = ("status", "first_deployed", "last_deployed", "description")


class ReleaseDecodeError(ValueError):
    """A release payload that cannot be read; the message says which layer failed."""


def decode_payload(data_release: object) -> bytes:
    """`data.release` of a Helm release Secret -> the release JSON bytes."""
    if not isinstance(data_release, str) or not data_release:
        raise ReleaseDecodeError("data.release is missing")
    try:
        helm_layer = base64.b64decode(data_release, validate=True)
    except (binascii.Error, ValueError):
        raise ReleaseDecodeError("data.release is not base64 (the API's layer)") from None
    try:
        raw = base64.b64decode(helm_layer, validate=True)
    except (binascii.Error, ValueError):
        raise ReleaseDecodeError("the release is not base64 inside (Helm's layer)") from None
    if raw[:3] != GZIP_MAGIC:
        return raw  # stored before Helm compressed releases
    inflater = zlib.decompressobj(wbits=31)  # gzip framing
    try:
        out = inflater.decompress(raw, MAX_RELEASE_BYTES)
    except zlib.error as exc:
        raise ReleaseDecodeError(f"the gzip data is corrupt ({exc})") from None
    if inflater.unconsumed_tail:
        raise ReleaseDecodeError(f"the release inflates past {MAX_RELEASE_BYTES // 2**20} MB")
    if not inflater.eof:
        raise ReleaseDecodeError("the gzip data is truncated")
    return out


def _only(obj: object, keys: tuple[str, ...]) -> Obj:
    return {k: obj[k] for k in keys if k in obj} if isinstance(obj, dict) else {}


def decode_release(raw: bytes) -> Obj:
    """The release JSON cut down at once to what the rows read: its name, namespace and
    revision, the info's status, times and description, the chart's metadata, and the
    manifest. The user's values (`config`), the chart's own values, templates and files, the
    hooks and the rendered notes often hold credentials: they are dropped here, before the
    manifest is parsed, and never reach a row, a cache or a screen."""
    release = orjson.loads(raw)
    if not isinstance(release, dict):
        raise ReleaseDecodeError("the release is not a JSON object")
    kept = _only(release, _RELEASE_KEYS)
    kept["info"] = _only(release.get("info"), _INFO_KEYS)
    kept["chart"] = _only(release.get("chart"), ("metadata",))
    release.clear()  # frees the values now, not when the caller's frame ends
    return kept


def manifest_workloads(manifest: object) -> tuple[WorkloadSpec, ...]:
    """The Deployments a rendered manifest creates. Only their documents are parsed as YAML:
    Services, ConfigMaps and CRDs are most of a manifest and none of the drift."""
    if not isinstance(manifest, str) or "Deployment" not in manifest:
        return ()
    found = []
    for doc in _DOCUMENT_SPLIT.split(manifest):
        if not _DEPLOYMENT.search(doc):
            continue
        try:
            obj = yaml.load(doc, Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ReleaseDecodeError(f"the manifest is not valid YAML{where}") from None
        if isinstance(obj, dict) and obj.get("kind") == "Deployment":
            found.append(workload_spec(obj))
    return tuple(found)


def _labels_row(meta: Obj, labels: Obj, error: str) -> HelmRevision:
    """What the Secret's labels alone say, for a payload that cannot be decoded."""
    version = labels.get("version")
    return HelmRevision(
        namespace=_intern(meta.get("namespace") or ""),
        release=_intern(str(labels.get("name") or "?")),
        revision=int(version) if isinstance(version, str) and version.isdigit() else 0,
        status=_intern(str(labels.get("status") or "unknown")),
        chart=None,
        chart_version=None,
        app_version=None,
        first_deployed=None,
        last_deployed=None,
        description="",
        secret=str(meta.get("name") or "?"),
        error=error,
    )


def _text(value: object) -> str | None:
    return _intern(value) if isinstance(value, str) and value else None


def release_row(obj: Obj) -> HelmRevision | None:
    """A Helm release Secret as a HelmRevision; None for a Secret that is not one. A payload
    that cannot be decoded gives a row with `error` naming the Secret, never an exception."""
    if obj.get("type") != RELEASE_SECRET_TYPE:
        return None
    meta = obj.get("metadata") or _EMPTY
    labels = meta.get("labels") or _EMPTY
    where = f"Helm release Secret {meta.get('namespace') or '?'}/{meta.get('name') or '?'}"
    try:
        release = decode_release(decode_payload((obj.get("data") or _EMPTY).get("release")))
        workloads = manifest_workloads(release.get("manifest"))
    except orjson.JSONDecodeError as exc:
        return _labels_row(meta, labels, f"{where}: the release is not valid JSON ({exc})")
    except ReleaseDecodeError as exc:
        return _labels_row(meta, labels, f"{where}: {exc}")
    info = release.get("info") or _EMPTY
    chart = (release.get("chart") or _EMPTY).get("metadata") or _EMPTY
    version = release.get("version")
    return HelmRevision(
        namespace=_intern(release.get("namespace") or meta.get("namespace") or ""),
        release=_intern(str(release.get("name") or labels.get("name") or "?")),
        revision=version if isinstance(version, int) else 0,
        status=_intern(str(info.get("status") or labels.get("status") or "unknown")),
        chart=_text(chart.get("name")),
        chart_version=_text(chart.get("version")),
        app_version=_text(chart.get("appVersion")),
        first_deployed=parse_time(info.get("first_deployed")),
        last_deployed=parse_time(info.get("last_deployed")),
        description=str(info.get("description") or ""),
        secret=str(meta.get("name") or "?"),
        workloads=workloads,
    )


def _key(obj: Obj) -> tuple[tuple[str, str], str]:
    meta = obj.get("metadata") or _EMPTY
    key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
    return key, str(meta.get("resourceVersion") or "")


class HelmDecoder:
    """`release_row` behind a cache keyed by the Secret's resourceVersion: a revision is
    decoded once, however often it is relisted or its watch stream resumes."""

    def __init__(self, limit: int = CACHE_LIMIT) -> None:
        self._rows: dict[tuple[str, str], tuple[str, HelmRevision | None]] = {}
        self._limit = limit
        self._lock = threading.Lock()  # one stream per namespace, each in its own thread
        self.decoded = 0  # payloads actually decoded, for tests and the bench

    def cached(self, obj: Obj) -> bool:
        """This revision is decoded already: its metadata is enough, its data need not cross."""
        key, version = _key(obj)
        with self._lock:
            hit = self._rows.get(key)
        return hit is not None and bool(version) and hit[0] == version

    def __call__(self, obj: Obj) -> HelmRevision | None:
        key, version = _key(obj)
        with self._lock:
            hit = self._rows.get(key)
        if hit is not None and version and hit[0] == version:
            return hit[1]
        if READ_ERROR in obj:  # its full read failed: what its labels say, and why
            meta = obj.get("metadata") or _EMPTY
            return _labels_row(meta, meta.get("labels") or _EMPTY, str(obj[READ_ERROR]))
        row = release_row(obj)
        with self._lock:
            self.decoded += 1
            self._rows.pop(key, None)
            self._rows[key] = (version, row)
            while len(self._rows) > self._limit:
                del self._rows[next(iter(self._rows))]  # the least recently decoded
        return row
