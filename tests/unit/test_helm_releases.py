"""Decoding Helm 3 release Secrets: both base64 layers, gzip and plain, and every way a payload
can be broken (the error names the Secret and the layer; nothing raises)."""

from __future__ import annotations

import base64
import copy
import gzip
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from oc_console.analysis.release_findings import release_findings
from oc_console.sandbox.kube import releases as sandbox_releases
from oc_console.sandbox.kube.templates import adapter as workload
from oc_console.sandbox.kube.templates import pinned
from oc_console.sources.kube.helm import (
    HelmDecoder,
    ReleaseDecodeError,
    decode_payload,
    decode_release,
    manifest_workloads,
    release_row,
)
from tests.memory import holders
from tests.unit.releases_fleet import NOW, helm_encode, sandbox_objects, snapshot

Obj = dict[str, Any]
SHOPEE = workload("shopee", 3, "1Gi", init=True)
RELEASE: Obj = sandbox_releases.release(
    SHOPEE, 3, "2.14.3", "deployed", NOW.timestamp(), "Upgrade complete", SHOPEE.image, "1Gi"
)
# Helm writes Go's RFC3339Nano in the local zone of the machine that ran it.
RELEASE["info"]["last_deployed"] = "2026-11-29T14:00:00.123456789+08:00"


def secret(data: str, *, name: str = "sh.helm.release.v1.openclaw-adapter-shopee.v3") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": name,
            "namespace": "openclaw",
            "resourceVersion": "41",
            "labels": {
                "owner": "helm",
                "name": "openclaw-adapter-shopee",
                "status": "deployed",
                "version": "3",
            },
        },
        "data": {"release": data},
    }


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_a_release_decodes_from_both_base64_layers(compress: bool) -> None:
    row = release_row(secret(helm_encode(RELEASE, compress=compress)))
    assert row is not None and row.error is None
    assert (row.release, row.revision, row.status) == ("openclaw-adapter-shopee", 3, "deployed")
    assert (row.chart, row.chart_version, row.app_version) == (
        "openclaw-adapter",
        "2.14.3",
        "2.14.3",
    )
    assert row.last_deployed == datetime(
        2026, 11, 29, 14, 0, 0, 123456, timezone(timedelta(hours=8))
    )
    assert row.description == "Upgrade complete"
    (deployment,) = row.workloads
    assert deployment.name == "openclaw-adapter-shopee" and deployment.replicas == 3
    assert deployment.images == (
        pinned("openclaw-migrate", "2.14.3"),
        SHOPEE.image,
    )
    main = next(c for c in deployment.containers if c.name == "adapter")
    assert dict(main.resources) == {
        "requests.cpu": 250,
        "requests.memory": 256 * 2**20,
        "limits.memory": 2**30,
    }
    assert main.env == ("DATABASE_URL", "OPENCLAW_LOG_FORMAT", "OPENCLAW_PLATFORM")


def test_the_gzip_magic_decides_whether_to_inflate() -> None:
    gzipped = base64.b64decode(base64.b64decode(helm_encode(RELEASE, compress=True)))
    assert gzipped[:3] == b"\x1f\x8b\x08"
    plain = decode_payload(helm_encode(RELEASE, compress=False))
    assert plain.startswith(b'{"name":"openclaw-adapter-shopee"')
    assert decode_payload(helm_encode(RELEASE, compress=True)) == plain


def test_the_sandbox_encodes_exactly_as_helm_does() -> None:
    for compress in (True, False):
        written = sandbox_releases.release_secret(RELEASE, compress=compress)
        ours = base64.b64decode(written["data"]["release"])
        theirs = base64.b64decode(helm_encode(RELEASE, compress=compress))
        # gzip headers carry a timestamp; the inflated bytes and the framing must agree
        assert decode_payload(base64.b64encode(ours).decode()) == decode_payload(
            base64.b64encode(theirs).decode()
        )
        assert written["metadata"]["name"] == "sh.helm.release.v1.openclaw-adapter-shopee.v3"
        assert written["metadata"]["labels"] == {
            "name": "openclaw-adapter-shopee",
            "owner": "helm",
            "status": "deployed",
            "version": "3",
        }


def _gzip_corrupted() -> str:
    raw = bytearray(gzip.compress(b'{"name": "x"}' * 50, compresslevel=9))
    raw[20:30] = b"\xff" * 10
    return base64.b64encode(base64.b64encode(bytes(raw))).decode()


def _truncated() -> str:
    raw = gzip.compress(b'{"name": "x"}' * 50)[:-20]
    return base64.b64encode(base64.b64encode(raw)).decode()


CORRUPT = {
    "missing": ("", "data.release is missing"),
    "api layer": ("not base64 at all!", "not base64 (the API's layer)"),
    "helm layer": (base64.b64encode(b"%%%not base64%%%").decode(), "not base64 inside"),
    "gzip": (_gzip_corrupted(), "the gzip data is corrupt"),
    "truncated": (_truncated(), "the gzip data is truncated"),
    "json": (base64.b64encode(base64.b64encode(b"{not json")).decode(), "not valid JSON"),
    "yaml": (
        helm_encode(
            {"name": "x", "manifest": "kind: Deployment\nspec: [unclosed\n"}, compress=True
        ),
        "the manifest is not valid YAML",
    ),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_a_corrupted_payload_is_a_row_whose_error_names_the_secret(case: str) -> None:
    data, reason = CORRUPT[case]
    row = release_row(secret(data))
    assert row is not None and row.error is not None
    assert row.error.startswith(
        "Helm release Secret openclaw/sh.helm.release.v1.openclaw-adapter-shopee.v3: "
    )
    assert reason in row.error
    # what the labels say survives, so the history still lists the revision
    assert (row.release, row.revision, row.status) == ("openclaw-adapter-shopee", 3, "deployed")


def test_a_corrupted_payload_is_a_finding_not_a_crash() -> None:
    objects = sandbox_objects()
    from oc_console.sandbox.kube.resources import SECRET

    broken = next(s for s in objects[SECRET] if s["metadata"]["name"].endswith("amazon.v2"))
    broken["data"]["release"] = CORRUPT["gzip"][0]
    snap = snapshot(objects)
    found = [f for f in release_findings(snap, NOW) if f.id == "release-unreadable"]
    assert [f.subject for f in found] == ["openclaw/openclaw-adapter-amazon"]
    assert "sh.helm.release.v1.openclaw-adapter-amazon.v2" in found[0].evidence[0]
    assert "gzip data is corrupt" in found[0].evidence[0]


def test_a_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oc_console.sources.kube.helm.MAX_RELEASE_BYTES", 1000)
    with pytest.raises(ReleaseDecodeError, match="inflates past"):
        decode_payload(helm_encode({"manifest": "x" * 100_000}, compress=True))


def test_other_secrets_are_not_releases() -> None:
    assert release_row({**secret("x"), "type": "Opaque"}) is None


def test_each_resource_version_is_decoded_once() -> None:
    decoder = HelmDecoder()
    obj = secret(helm_encode(RELEASE, compress=True))
    first = decoder(obj)
    assert decoder(obj) is first and decoder.decoded == 1  # a relist: same resourceVersion
    changed = {**obj, "metadata": {**obj["metadata"], "resourceVersion": "42"}}
    assert decoder(changed) is not first and decoder.decoded == 2


def test_only_deployments_of_a_manifest_are_parsed() -> None:
    text = sandbox_releases.manifest(SHOPEE, SHOPEE.image, "1Gi")
    text += "---\n# Source: x/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\ndata: {a: '"
    (deployment,) = manifest_workloads(text)  # the broken ConfigMap is never parsed
    assert deployment.name == "openclaw-adapter-shopee"


def test_release_times_are_kept_as_aware_datetimes() -> None:
    row = release_row(secret(helm_encode(RELEASE, compress=True)))
    assert row is not None and row.last_deployed is not None
    assert row.last_deployed.astimezone(UTC) == datetime(2026, 11, 29, 6, 0, 0, 123456, UTC)


PASSWORD = "hunter2-Kq9-db-password"


def _release_with_credentials() -> str:
    """A release whose values (the user's `config` and the chart's own), rendered notes,
    hooks and manifest all hold a password, encoded as Helm stores it."""
    release = copy.deepcopy(RELEASE)
    release["config"] = {"db": {"password": PASSWORD}}
    release["chart"]["values"] = {"auth": {"password": PASSWORD, "user": "openclaw"}}
    release["info"]["notes"] = f"Log in with openclaw / {PASSWORD}"
    release["hooks"] = [{"name": "seed", "manifest": f"password: {PASSWORD}"}]
    worker = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "openclaw-adapter-shopee-worker"},
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "worker",
                            "image": "registry.openclaw.io/worker:1",
                            "args": [f"--db-password={PASSWORD}"],
                            "env": [{"name": "DB_PASSWORD", "value": PASSWORD}],
                        }
                    ]
                }
            },
        },
    }
    secret_doc = {"apiVersion": "v1", "kind": "Secret", "stringData": {"password": PASSWORD}}
    release["manifest"] += "\n---\n" + yaml.safe_dump(worker) + "---\n" + yaml.safe_dump(secret_doc)
    return helm_encode(release, compress=True)


def test_the_values_of_a_release_are_never_kept() -> None:
    decoder = HelmDecoder()
    row = decoder(secret(_release_with_credentials()))
    assert row is not None and row.error is None
    assert row.description == "Upgrade complete" and row.chart == "openclaw-adapter"
    worker = row.workload("openclaw", "openclaw-adapter-shopee-worker")
    assert worker is not None and worker.containers[0].env == ("DB_PASSWORD",)  # the name only
    assert PASSWORD not in repr(row)
    # nothing the decoder or its row can reach holds the password: not the values, not the
    # decoded release, not a cached copy of either
    assert holders(row, PASSWORD) == [] and holders(decoder, PASSWORD) == []


def test_a_release_is_cut_to_what_the_rows_read_before_its_manifest_is_parsed() -> None:
    release = decode_release(decode_payload(secret(_release_with_credentials())["data"]["release"]))
    assert PASSWORD not in repr({k: v for k, v in release.items() if k != "manifest"})
    assert set(release) <= {"name", "namespace", "version", "info", "chart", "manifest"}
    assert set(release["chart"]) == {"metadata"} and "notes" not in release["info"]
    assert holders(release, f"db-password={PASSWORD}") != []  # the manifest, not yet parsed
