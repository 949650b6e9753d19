"""Which ConfigMap keys look like credentials, and the finding made of them (names only)."""

from __future__ import annotations

import pytest

from oc_console.analysis.config_secrets import config_secret_findings
from oc_console.domain.findings import Severity
from oc_console.domain.kube import ConfigObject, FleetSnapshot
from oc_console.sources.kube.configmaps import (
    name_looks_secret,
    parse_config_map,
    value_looks_secret,
)


@pytest.mark.parametrize(
    "key",
    ["TIKTOK_WEBHOOK_SECRET", "client-secret", "AUTH_TOKEN", "db_password", "api_key",
     "webhook_url", "Webhook"],
)  # fmt: skip
def test_credential_names(key: str) -> None:
    assert name_looks_secret(key)


@pytest.mark.parametrize("key", ["QUEUE_BATCH_SIZE", "keyboard_layout", "LOG_LEVEL", "monkey"])
def test_ordinary_names(key: str) -> None:
    assert not name_looks_secret(key)


@pytest.mark.parametrize(
    "value",
    ["whsec_Q9vT3kLx7Rm2Wp8Zc4Nd6Hb1Jf5Ys0", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
     "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q="],
)  # fmt: skip
def test_credential_values(value: str) -> None:
    assert value_looks_secret(value)


@pytest.mark.parametrize(
    "value",
    ["50", "/webhooks/tiktok", "openclaw-adapter-shopee-7d9f8", "2026-12-05T14:01:47.123456Z",
     "postgresql://openclaw@db:5432/openclaw", "the quick brown fox jumps over it",
     "registry.example.com/adapter@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c",
     "internationalization"],
)  # fmt: skip
def test_ordinary_values(value: str) -> None:
    assert not value_looks_secret(value)


def fleet(*, config_objects: tuple[ConfigObject, ...]) -> FleetSnapshot:
    return FleetSnapshot("test", ("openclaw",), (), (), (), (), config_objects=config_objects)


def _configmap(data: dict[str, str]) -> dict[str, object]:
    meta = {
        "name": "settings",
        "namespace": "openclaw",
        "creationTimestamp": "2026-01-01T00:00:00Z",
    }
    return {"kind": "ConfigMap", "metadata": meta, "data": data}


def test_a_row_keeps_names_only_and_the_finding_names_them() -> None:
    secret = "whsec_Q9vT3kLx7Rm2Wp8Zc4Nd6Hb1Jf5Ys0"
    row = parse_config_map(_configmap({"SIGNING": secret, "LOG_LEVEL": "info"}))
    assert row.credential_keys == (("SIGNING", "its value looks like a credential (a long "
                                    "random string)"),)  # fmt: skip
    assert secret not in repr(row) and "LOG_LEVEL" not in repr(row)
    (finding,) = config_secret_findings(fleet(config_objects=(row,)))
    assert finding.severity is Severity.WARNING and finding.subject == "openclaw/settings"
    assert "SIGNING" in finding.summary and secret not in repr(finding)


def test_a_clean_configmap_is_no_finding() -> None:
    row = parse_config_map(_configmap({"QUEUE_BATCH_SIZE": "50", "LOG_LEVEL": "info"}))
    assert row.credential_keys == ()
    assert config_secret_findings(fleet(config_objects=(row,))) == []
