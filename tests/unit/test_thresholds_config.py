"""Every threshold and metric name comes from the config, and `kubernetes.adapter_pattern`
drives the PromQL catalog as well as the cluster view; one duration and one byte format."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from oc_console.analysis.database import pool_findings
from oc_console.analysis.kube import kube_findings
from oc_console.analysis.kube_thresholds import KubeThresholds
from oc_console.analysis.metrics import metrics_findings
from oc_console.config_loading import load_config
from oc_console.domain.durations import human_bytes, human_duration
from oc_console.domain.metrics import MetricsSnapshot, PodMemory
from oc_console.errors import UserError
from oc_console.sources.promql import catalog, platform_of_pod
from tests.unit.factories import pool
from tests.unit.test_kube_analysis import NOW, fleet


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_pool_saturation_thresholds_come_from_config(tmp_path: Path) -> None:
    snap = pool(max_connections=103, sessions_by_state=(("idle", 60),))  # 60 %
    assert not [f for f in pool_findings(snap, load_config(environ={}).postgres.thresholds)]
    cfg = load_config(
        config_file(tmp_path, "[postgres]\nsaturation_warning_pct = 50\n"), environ={}
    )
    assert [f.id for f in pool_findings(snap, cfg.postgres.thresholds)] == ["pool-saturation"]


def test_certificate_policy_comes_from_config(tmp_path: Path) -> None:
    default = load_config(environ={}).kubernetes.thresholds
    assert default.renew_before_policy == timedelta(hours=336)
    cfg = load_config(
        config_file(tmp_path, "[kubernetes.thresholds]\nrenew_before_policy_hours = 12\n"),
        environ={},
    )
    t = cfg.kubernetes.thresholds
    before = {(f.id, f.subject) for f in kube_findings(fleet(), NOW, default)}
    after = {(f.id, f.subject) for f in kube_findings(fleet(), NOW, t)}
    # webhooks renews 24h before expiry: below 336h, above 12h
    assert ("cert-renew-before-policy", "openclaw/webhooks") in before - after
    cert = next(c for c in fleet().certificates if c.name == "webhooks")
    assert not default.policy_ok(cert) and t.policy_ok(cert)


def test_metrics_thresholds_come_from_config(tmp_path: Path) -> None:
    pod = PodMemory("openclaw", "openclaw-adapter-amazon-5d8f7b9c4-x2k9p", "adapter",
                    "amazon", 600 * 2**20, 1024 * 2**20)  # fmt: skip
    snap = MetricsSnapshot(pods=(pod,))
    default = load_config(environ={}).prometheus.thresholds
    cfg = load_config(
        config_file(tmp_path, "[prometheus.thresholds]\nmemory_ratio_warning = 0.5\n"), environ={}
    )
    assert "memory-near-limit" not in {f.id for f in metrics_findings(snap, default)}
    assert "memory-near-limit" in {f.id for f in metrics_findings(snap, cfg.prometheus.thresholds)}


def test_metric_names_come_from_config(tmp_path: Path) -> None:
    cfg = load_config(
        config_file(tmp_path, '[prometheus.metric_names]\nrequests_total = "acme_calls_total"\n'),
        environ={},
    )
    queries = " ".join(q.promql for q in catalog(("openclaw",), names=cfg.prometheus.metric_names))
    assert "acme_calls_total" in queries and "openclaw_adapter_requests_total" not in queries


def test_bad_metric_name_and_unknown_threshold_are_one_line(tmp_path: Path) -> None:
    bad = config_file(tmp_path, '[prometheus.metric_names]\nqueue_depth = "not a name"\n')
    with pytest.raises(UserError, match="is not a Prometheus metric name"):
        load_config(bad, environ={})
    typo = config_file(tmp_path, "[kubernetes.thresholds]\nrecent_oom = 5\n")
    with pytest.raises(UserError, match=r"unknown key 'kubernetes\.thresholds\.recent_oom'"):
        load_config(typo, environ={})


def test_adapter_pattern_drives_the_promql_catalog() -> None:
    pattern = r"^shop-(?P<platform>[a-z]+)-svc$"
    queries = {q.name: q.promql for q in catalog(("openclaw",), pattern)}
    assert "shop-(?P<platform>[a-z]+)-svc" in queries["restarts"]
    assert "openclaw|oc" not in queries["restarts"]
    assert platform_of_pod("shop-amazon-svc-7d9f8c-x2k4q", pattern) == "amazon"
    assert platform_of_pod("openclaw-adapter-amazon-7d9f8c-x2k4q", pattern) is None
    assert platform_of_pod("openclaw-adapter-tiktok-shop-7d9f8c-x2k4q") == "tiktok-shop"


def test_one_duration_and_one_byte_format() -> None:
    assert [human_duration(s) for s in (0.35, 2.5, 45, 725, 720, 10800, 5 * 86400)] == [
        "350ms", "2.5s", "45s", "12m05s", "12m", "3h", "5d",
    ]  # fmt: skip
    assert [human_bytes(b) for b in (512 * 2**20, 1.5 * 2**30, 2**30, 100)] == [
        "512Mi", "1.5Gi", "1Gi", "100B",
    ]  # fmt: skip
    from oc_console.screens.format import mib, seconds

    assert mib is human_bytes and seconds is human_duration
    assert mib(512 * 2**20) == "512Mi"


def test_the_certificates_screen_and_the_analysis_agree_on_the_policy(tmp_path: Path) -> None:
    """With a 168h policy, a certificate that renews 200h before expiry is fine by the analysis
    and reads "ok" on the screen; at the default 336h both call it late, and the screen says
    which policy it missed."""
    from oc_console.screens.certificates import cert_row

    cfg = load_config(
        config_file(tmp_path, "[kubernetes.thresholds]\nrenew_before_policy_hours = 168\n"),
        environ={},
    )
    snap = fleet()
    webhooks = next(c for c in snap.certificates if c.name == "webhooks")
    early = replace(webhooks, renew_before=timedelta(hours=200))
    snap = replace(snap, certificates=(early,))
    for t, word in ((cfg.kubernetes.thresholds, "ok"), (KubeThresholds(), "<336h")):
        findings = kube_findings(snap, NOW, t)
        late = "cert-renew-before-policy" in {f.id for f in findings if f.subject == early.key}
        assert (word != "ok") == late == (not t.policy_ok(early))
        assert cert_row(early, NOW, findings).cells[6] == word
    relaxed = kube_findings(fleet(), NOW, cfg.kubernetes.thresholds)
    # a certificate late by the configured policy names it: 24h is below 168h
    assert cert_row(webhooks, NOW, relaxed).cells[6] == "<168h"
