"""Screens read an object's severity from the findings that name it."""

from __future__ import annotations

from oc_console.analysis.severity import names, of_object, of_subject
from oc_console.domain.findings import Finding, Severity

ADAPTER = "openclaw/openclaw-adapter-amazon"
OOM = Finding(
    "adapter-oomkilled", Severity.CRITICAL, ADAPTER, "2 of 3 amazon adapter pods were killed",
    ("openclaw-adapter-amazon-7d9f-x2k4q/adapter: OOMKilled (exit 137)",),
)  # fmt: skip
MEMORY = Finding(
    "memory-near-limit", Severity.WARNING, ADAPTER,
    "Pod openclaw-adapter-amazon-7d9f-abcde uses 93% of its 512Mi memory limit",
)  # fmt: skip


def test_an_object_takes_the_worst_finding_that_names_it() -> None:
    findings = (OOM, MEMORY)
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-x2k4q") == Severity.CRITICAL
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-abcde") == Severity.WARNING
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-zzzzz") == Severity.OK
    ids = ("memory-near-limit",)
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-x2k4q", ids) == Severity.OK


def test_a_name_is_matched_whole_not_as_a_prefix() -> None:
    assert names(OOM, "openclaw-adapter-amazon-7d9f-x2k4q")
    assert not names(OOM, "openclaw-adapter-amazon-7d9f-x2k4")
    assert not names(OOM, "adapter-amazon-7d9f-x2k4q")


def test_a_subject_takes_its_worst_finding() -> None:
    assert of_subject((OOM, MEMORY), ADAPTER) == Severity.CRITICAL
    assert of_subject((MEMORY,), ADAPTER) == Severity.WARNING
    assert of_subject((OOM,), "openclaw/openclaw-adapter-shopee") == Severity.OK
