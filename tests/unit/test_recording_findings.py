"""The findings and pages as a frame records them: each built anew for every frame, each shares
the tree of the last frame's same finding (same rule, subject and pods) or page (same alert),
wherever it now stands, so the delta against the last frame holds only what moved."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from oc_console.domain.alerts import Alert, AlertMatch
from oc_console.domain.findings import Finding, Severity, Target
from oc_console.services.recording_frames import FrameCodec
from oc_console.services.snapshot_builder import SnapshotInputs

AT = datetime(2026, 12, 5, 3, 12, tzinfo=UTC)
SUBJECT = "openclaw/openclaw-adapter-amazon"


def near_limit(pod: str, percent: int) -> Finding:
    """One finding per pod of the same Deployment, as the memory rule writes them."""
    return Finding(
        id="memory-near-limit",
        severity=Severity.CRITICAL,
        subject=SUBJECT,
        summary=f"Pod {pod} uses {percent}% of its 512Mi memory limit.",
        evidence=(f"container adapter: working set at {percent}%",),
        target=Target.deployment("openclaw", "openclaw-adapter-amazon", "amazon"),
        objects=(Target.pod("openclaw", pod, "adapter", "amazon"),),
    )


def page(fingerprint: str, finding: Finding) -> AlertMatch:
    labels = (("alertname", "AdapterMemoryHigh"), ("pod", fingerprint))
    return AlertMatch(Alert(fingerprint, labels, "active", AT - timedelta(minutes=5)), finding)


def findings_tree(codec: FrameCodec, findings: tuple[Finding, ...], later: float) -> Any:
    return recorded(codec, findings, (), later)["findings"]


def recorded(
    codec: FrameCodec, findings: tuple[Finding, ...], pages: tuple[AlertMatch, ...], later: float
) -> Any:
    inputs = SnapshotInputs(now=AT + timedelta(seconds=later), context_label="sandbox", sources=())
    return codec.encode(inputs, findings, pages, ())["recorded"]


def test_each_finding_shares_the_tree_of_the_same_pods_finding_wherever_it_moved() -> None:
    codec = FrameCodec()
    a, b, c = near_limit("pod-a", 91), near_limit("pod-b", 93), near_limit("pod-c", 95)
    first = findings_tree(codec, (a, b, c), 0)
    # built anew: b moved to the front, a's number moved, c stayed where it was
    a2 = dataclasses.replace(a, summary=a.summary.replace("91%", "92%"))
    now = (dataclasses.replace(b), a2, dataclasses.replace(c))
    second = findings_tree(codec, now, 10)
    assert second[0] is first[1] and second[2] is first[2]
    assert second[1] is not first[0] and second[1]["objects"] is first[0]["objects"]
    assert codec.codec.decode(orjson.loads(orjson.dumps(second))) == now


def test_each_page_shares_the_tree_of_the_same_alerts_page_wherever_it_moved() -> None:
    codec = FrameCodec()
    a, b, c = near_limit("pod-a", 91), near_limit("pod-b", 93), near_limit("pod-c", 95)
    first = recorded(codec, (), (page("fa", a), page("fb", b), page("fc", c)), 0)["pages"]
    # built anew: the page of b moved to the front, a's finding's number moved
    a2 = dataclasses.replace(a, summary=a.summary.replace("91%", "92%"))
    now = (page("fb", dataclasses.replace(b)), page("fa", a2), page("fc", dataclasses.replace(c)))
    second = recorded(codec, (), now, 10)["pages"]
    assert second[0] is first[1] and second[2] is first[2]
    assert second[1] is not first[0] and second[1]["alert"] is first[0]["alert"]
    assert codec.codec.decode(orjson.loads(orjson.dumps(second))) == now
