"""The Prometheus API's answers, as documented shapes, turned into the snapshot."""

import math

from oc_console.sources.prometheus_answers import Answer, snapshot_from
from oc_console.sources.promql import catalog

QUERIES = {q.name: q for q in catalog(("openclaw",))}
NOW = 1_700_000_000.0
POD = {"namespace": "openclaw", "pod": "openclaw-adapter-amazon-5d8f7-x2k9p", "container": "app"}
GONE = {**POD, "pod": "openclaw-adapter-amazon-5d8f7-old00"}


def vector(*points: tuple[dict[str, str], str]) -> list[dict[str, object]]:
    return [{"metric": m, "value": [NOW, v]} for m, v in points]


def answer(name: str, result: list[dict[str, object]], *warnings: str) -> Answer:
    query = QUERIES[name]
    return Answer(query, result, warnings, NOW if query.range_seconds else None)


def test_rates_by_status_become_ratios() -> None:
    snapshot = snapshot_from(
        [
            answer(
                "requests",
                vector(
                    ({"platform": "amazon", "status": "200"}, "7"),
                    ({"platform": "amazon", "status": "429"}, "2"),
                    ({"platform": "amazon", "status": "503"}, "1"),
                ),
            )
        ]
    )
    amazon = snapshot.adapter("amazon")
    assert amazon is not None
    assert amazon.request_rate == 10
    assert amazon.error_ratio == 0.1
    assert amazon.throttled_ratio == 0.2


def test_no_traffic_gives_no_ratio_rather_than_zero() -> None:
    snapshot = snapshot_from(
        [answer("requests", vector(({"platform": "amazon", "status": "200"}, "0")))]
    )
    amazon = snapshot.adapter("amazon")
    assert amazon is not None and amazon.request_rate == 0
    assert amazon.error_ratio is None and amazon.throttled_ratio is None


def test_nan_is_no_value_and_inf_stays_infinite() -> None:
    snapshot = snapshot_from(
        [
            answer(
                "latency_p95",
                vector(({"platform": "amazon"}, "NaN"), ({"platform": "shopee"}, "+Inf")),
            )
        ]
    )
    amazon, shopee = snapshot.adapter("amazon"), snapshot.adapter("shopee")
    assert amazon is None  # nothing but NaN: no adapter invented from it
    assert shopee is not None and shopee.p95_latency_seconds == math.inf


def test_queue_gauges_are_told_apart_by_name_and_failures_sorted() -> None:
    snapshot = snapshot_from(
        [
            answer(
                "queue",
                vector(
                    ({"__name__": "openclaw_queue_depth", "platform": "lazada"}, "2500"),
                    (
                        {"__name__": "openclaw_queue_oldest_age_seconds", "platform": "lazada"},
                        "1200",
                    ),
                ),
            ),
            answer(
                "sync_failures",
                vector(
                    ({"platform": "lazada", "reason": "validation"}, "3"),
                    ({"platform": "lazada", "reason": "timeout"}, "40"),
                    ({"platform": "lazada", "reason": "none"}, "0"),
                ),
            ),
            answer("last_seen", vector(({"platform": "lazada"}, str(NOW - 42)))),
        ]
    )
    lazada = snapshot.adapter("lazada")
    assert lazada is not None
    assert (lazada.queue_depth, lazada.queue_oldest_age_seconds) == (2500, 1200)
    assert lazada.sync_failures == (("timeout", 40), ("validation", 3))
    assert lazada.last_sample_age_seconds == 42


def test_pods_memory_history_and_latest_termination() -> None:
    snapshot = snapshot_from(
        [
            answer(
                "memory",
                [
                    {"metric": POD, "values": [[NOW - 60, "100"], [NOW, "200"]]},
                    {"metric": GONE, "values": [[NOW - 3000, "300"]]},
                ],
            ),
            answer("memory_limit", vector((POD, "400"))),
            answer("restarts", vector((POD, "3"))),
            answer(
                "terminations",
                vector(
                    ({**POD, "reason": "Error"}, str(NOW - 900)),
                    ({**POD, "reason": "OOMKilled"}, str(NOW)),
                    ({**GONE, "reason": "OOMKilled"}, str(NOW - 2400)),
                ),
            ),
        ]
    )
    assert [p.pod for p in snapshot.pods] == [POD["pod"]]  # the gone pod has no current point
    pod = snapshot.pods[0]
    assert pod.platform == "amazon"
    assert (pod.working_set_bytes, pod.limit_bytes, pod.ratio) == (200, 400, 0.5)
    assert pod.history == (100, 200)
    assert pod.ratio_history == (0.25, 0.5)
    assert pod.restarts == 3
    assert pod.last_terminated_reason == "OOMKilled"
    assert [t.pod for t in snapshot.oom_kills("amazon")] == [POD["pod"], GONE["pod"]]


def test_warnings_are_kept_once_each_and_mark_the_stand_in() -> None:
    snapshot = snapshot_from(
        [
            answer("requests", [], "partial response: store down"),
            answer("queue", [], "partial response: store down", "stand-in metrics: no binary"),
        ]
    )
    assert snapshot.warnings == ("partial response: store down", "stand-in metrics: no binary")
    assert snapshot.stand_in
    assert not snapshot_from([answer("requests", [], "partial response")]).stand_in


def test_a_store_that_aligns_to_the_step_still_gives_the_current_memory() -> None:
    """VictoriaMetrics (and a caching query frontend) puts the range's last point up to one
    step before the end: that point is current; one a whole step older is a pod that is gone."""
    step = QUERIES["memory"].step_seconds
    aligned = {**POD, "pod": "openclaw-adapter-amazon-5d8f7-align"}
    snapshot = snapshot_from(
        [
            answer(
                "memory",
                [
                    {"metric": aligned, "values": [[NOW - step - 59, "100"], [NOW - 59, "200"]]},
                    {"metric": GONE, "values": [[NOW - 2 * step, "300"], [NOW - step, "300"]]},
                ],
            ),
        ]
    )
    [pod] = snapshot.pods
    assert (pod.pod, pod.working_set_bytes, pod.history) == (aligned["pod"], 200, (100, 200))
