"""ExternalSecrets parsed from their JSON and judged: not Ready or a failed last sync is a
finding with the message, the Secret and the remote keys; a synced one, or none installed,
is none; a cluster serving only v1beta1 says the console cannot see them."""

from __future__ import annotations

from typing import Any

from oc_console.analysis.external_secrets import RULE, external_secret_findings
from oc_console.domain.kube import FleetSnapshot
from oc_console.domain.releases import ApiGroup
from oc_console.sources.kube.external_secrets import parse_external_secret


def _es(ready: str | None, reason: str = "", message: str = "", **spec: Any) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": ready, "reason": reason, "message": message}]
    return {
        "metadata": {"name": "tiktok-webhook", "namespace": "openclaw",
                     "annotations": {"force-sync": "1733400000"}},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "vault", "kind": "SecretStore"},
            "data": [{"secretKey": "TIKTOK_WEBHOOK_SECRET",
                      "remoteRef": {"key": "openclaw/tiktok", "property": "signing"}}],
            **spec,
        },
        "status": {"refreshTime": "2026-12-05T10:00:00Z",
                   "conditions": conditions if ready is not None else []},
    }  # fmt: skip


def _fleet(*objs: dict[str, Any], groups: tuple[ApiGroup, ...] | None = None) -> FleetSnapshot:
    return FleetSnapshot(
        "ctx", ("openclaw",), (), (), (), (),
        external_secrets=tuple(parse_external_secret(o) for o in objs), api_groups=groups,
    )  # fmt: skip


def test_parse_keeps_target_store_refs_and_condition() -> None:
    es = parse_external_secret(_es("False", "SecretSyncedError", "vault: permission denied"))
    assert (es.target, es.store, es.ready, es.reason) == (
        "tiktok-webhook",
        "SecretStore/vault",
        False,
        "SecretSyncedError",
    )
    assert es.ref_for("TIKTOK_WEBHOOK_SECRET") == es.refs[0]
    assert (es.refs[0].key, es.refs[0].property) == ("openclaw/tiktok", "signing")
    assert es.force_sync == "1733400000" and es.refresh_interval == "1h"
    named = parse_external_secret(_es("True", target={"name": "other"}))
    assert named.target == "other" and not named.failing
    extract = parse_external_secret(_es(None, data=[], dataFrom=[{"extract": {"key": "kv/all"}}]))
    assert extract.ready is None and extract.ref_for("ANY").key == "kv/all"  # type: ignore[union-attr]


def test_not_ready_is_a_finding_with_message_secret_and_keys() -> None:
    (f,) = external_secret_findings(_fleet(_es("False", "SecretSyncedError", "denied")))
    assert f.id == RULE and f.subject == "openclaw/tiktok-webhook"
    assert "is not Ready (SecretSyncedError): Secret tiktok-webhook" in f.summary
    assert f.evidence[:3] == (
        "writes Secret openclaw/tiktok-webhook",
        "message: denied",
        "from SecretStore/vault, remote key openclaw/tiktok (signing)",
    )
    assert f.runbook == "webhook-signature-mismatch"
    assert f.runbook_params == {"namespace": "openclaw"}


def test_ready_but_last_sync_failed_is_a_finding() -> None:
    (f,) = external_secret_findings(_fleet(_es("True", "SecretSyncedError", "timeout")))
    assert "failed its last sync" in f.summary


def test_synced_unjudged_or_none_installed_is_no_finding() -> None:
    assert external_secret_findings(_fleet(_es("True", "SecretSynced"), _es(None))) == []
    served = (ApiGroup("external-secrets.io", ("v1", "v1beta1"), "v1"),)
    assert external_secret_findings(_fleet(groups=served)) == []
    assert external_secret_findings(_fleet(groups=())) == []


def test_only_v1beta1_served_is_cannot_see() -> None:
    old = (ApiGroup("external-secrets.io", ("v1beta1", "v1alpha1"), "v1beta1"),)
    (f,) = external_secret_findings(_fleet(groups=old))
    assert f.id == "cannot-see" and "at v1beta1, v1alpha1" in f.summary
