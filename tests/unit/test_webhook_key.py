"""Where a Deployment reads its webhook key from (env, envFrom, volumes; a Secret, a ConfigMap
or an inline value), a second base64 layer told from a real key, and the expected fingerprint."""

from __future__ import annotations

import base64
from typing import Any

from oc_console.runbook.webhook_key import (
    KeySource,
    decoded_again,
    expected,
    fingerprint,
    locate,
)

KEY = "whsec_7f3a9c1e5b2d4f6a8c0e1b3d5f"
ENV = "TIKTOK_WEBHOOK_SECRET"


def _deployment(container: dict[str, Any], volumes: list[Any] | None = None) -> dict[str, Any]:
    pod = {"containers": [{"name": "adapter", **container}], "volumes": volumes or []}
    return {"metadata": {"annotations": {"openclaw.io/webhook-secret-sha256": "0123456789ab"}},
            "spec": {"template": {"spec": pod}}}  # fmt: skip


def test_env_from_a_secret_a_configmap_or_inline() -> None:
    secret = {"name": ENV, "valueFrom": {"secretKeyRef": {"name": "hooks", "key": "tiktok"}}}
    assert locate(_deployment({"env": [secret]}), ENV) == KeySource(
        "Secret", "hooks", "tiktok", f"env {ENV}"
    )
    cm = {"name": ENV, "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": ENV}}}
    assert locate(_deployment({"env": [cm]}), ENV).kind == "ConfigMap"  # type: ignore[union-attr]
    inline = locate(_deployment({"env": [{"name": ENV, "value": "x"}]}), ENV)
    assert inline is not None and inline.kind == "inline" and "inline" in inline.describe()
    assert locate(_deployment({"env": [{"name": "OTHER", "value": "x"}]}), ENV) is None


def test_env_from_and_volumes() -> None:
    env_from = {"envFrom": [{"configMapRef": {"name": "tiktok-settings"}}]}
    assert locate(_deployment(env_from), ENV) == KeySource(
        "ConfigMap", "tiktok-settings", ENV, "envFrom"
    )
    mounted = {"volumeMounts": [{"name": "hooks", "mountPath": "/etc/hooks"}]}
    volume = {"name": "hooks", "secret": {"secretName": "tiktok-webhook",
                                          "items": [{"key": ENV, "path": "key"}]}}  # fmt: skip
    assert locate(_deployment(mounted, [volume]), ENV) == KeySource(
        "Secret", "tiktok-webhook", ENV, "volume hooks"
    )
    assert locate(_deployment({}, [volume]), ENV) is None  # not mounted in the container


def test_a_second_layer_is_told_from_a_real_key() -> None:
    assert decoded_again(base64.b64encode(KEY.encode())) == KEY.encode()
    assert decoded_again(KEY.encode()) is None  # '_' is not base64
    assert decoded_again(bytes(range(32))) is None  # raw key bytes


def test_fingerprints_are_twelve_hex_and_the_expected_one_comes_from_the_annotation() -> None:
    assert fingerprint(KEY.encode()).startswith("sha256:") and len(fingerprint(b"x")) == 19
    assert expected(_deployment({})) == "sha256:0123456789ab"
    assert expected({"metadata": {}}) is None
