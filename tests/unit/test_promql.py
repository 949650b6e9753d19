import re

import pytest

from oc_console.sources.promql import catalog, platform_of_pod, quote, regex_literal


def test_quote_escapes_what_would_end_or_bend_the_string() -> None:
    assert quote('a"b') == '"a\\"b"'
    assert quote("back\\slash") == '"back\\\\slash"'
    assert quote("two\nlines\ttab") == '"two\\nlines\\ttab"'
    assert quote("bell\x07") == '"bell\\u0007"'
    assert quote("plain-ns") == '"plain-ns"'


@pytest.mark.parametrize("value", ["openclaw", "open.claw", "a|b", "x(y)*+?", "[ns]{2}^$", "a\\b"])
def test_regex_literal_matches_only_itself(value: str) -> None:
    assert re.fullmatch(regex_literal(value), value)


def test_regex_literal_makes_metacharacters_literal() -> None:
    assert not re.fullmatch(regex_literal("open.claw"), "openXclaw")
    assert not re.fullmatch(regex_literal("a|b"), "a")
    assert not re.fullmatch(regex_literal("ns.*"), "ns-prod")


def test_one_refresh_costs_the_same_queries_whatever_the_fleet() -> None:
    queries = catalog(("openclaw",))
    assert len(queries) == 11
    assert len({q.name for q in queries}) == len(queries)
    text = " ".join(q.promql for q in queries)
    for platform in ("amazon", "shopee", "tiktok"):
        assert platform not in text
    assert [q.name for q in queries if q.range_seconds] == ["errors_history", "memory"]


def test_namespaces_are_a_set() -> None:
    assert catalog(("b", "a", "a")) == catalog(("a", "b"))


def test_namespace_values_are_escaped_for_regex_then_string() -> None:
    queries = catalog(('we"ird.ns',))
    for q in queries:
        assert 'namespace=~"we\\"ird\\\\.ns|"' in q.promql, q.name


def test_one_clusters_series_in_a_shared_store_by_its_label_escaped() -> None:
    queries = catalog(("openclaw",), cluster=("region", 'eu"west\\'))
    for q in queries:
        # every selector, so no query mixes one cluster's series with another's
        selectors = q.promql.count("{")
        assert q.promql.count('region="eu\\"west\\\\"') == selectors, q.name
    assert all("region" not in q.promql for q in catalog(("openclaw",)))


def test_no_namespaces_means_every_namespace() -> None:
    for q in catalog(()):
        assert "namespace=~" not in q.promql


def test_adapter_metrics_are_aggregated_by_platform() -> None:
    by_name = {q.name: q.promql for q in catalog(("openclaw",))}
    assert by_name["requests"].startswith("sum by (platform, status)")
    assert "sum by (platform, le)" in by_name["latency_p95"]
    assert by_name["queue"].startswith("max by (__name__, platform)")
    assert by_name["sync_failures"].startswith("sum by (platform, reason)")


@pytest.mark.parametrize(
    ("pod", "platform"),
    [
        ("openclaw-adapter-amazon-5d8f7b9c4-x2k9p", "amazon"),
        ("oc-adapter-tiktok-shop-6c9d8-abcde", "tiktok-shop"),
        ("openclaw-webhook-5d8f7b9c4-x2k9p", None),
        ("openclaw-adapter-amazon", None),
    ],
)
def test_platform_of_pod(pod: str, platform: str | None) -> None:
    assert platform_of_pod(pod) == platform
