"""Screens read an object's severity from the findings that name it, by their structured
objects, never by searching the finding's text."""

from __future__ import annotations

from oc_console.analysis.kube import kube_findings
from oc_console.domain.findings import Finding, Severity, Target, of_object, of_subject, worst
from tests.unit.test_kube_analysis import NOW, fleet

ADAPTER = "openclaw/openclaw-adapter-amazon"
OOM = Finding(
    "adapter-oomkilled", Severity.CRITICAL, ADAPTER, "2 of 3 amazon adapter pods were killed",
    ("openclaw-adapter-amazon-7d9f-x2k4q/adapter: OOMKilled (exit 137)",),
    objects=(Target.pod("openclaw", "openclaw-adapter-amazon-7d9f-x2k4q", "adapter"),),
)  # fmt: skip
MEMORY = Finding(
    "memory-near-limit", Severity.WARNING, ADAPTER,
    "Pod openclaw-adapter-amazon-7d9f-abcde uses 93% of its 512Mi memory limit",
    objects=(Target.pod("openclaw", "openclaw-adapter-amazon-7d9f-abcde", "adapter"),),
)  # fmt: skip


def test_an_object_takes_the_worst_finding_that_names_it() -> None:
    findings = (OOM, MEMORY)
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-x2k4q") == Severity.CRITICAL
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-abcde") == Severity.WARNING
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-zzzzz") == Severity.OK
    ids = ("memory-near-limit",)
    assert of_object(findings, ADAPTER, "openclaw-adapter-amazon-7d9f-x2k4q", ids) == Severity.OK


def test_a_name_is_matched_whole_not_as_a_prefix() -> None:
    assert OOM.names("openclaw-adapter-amazon-7d9f-x2k4q")
    assert not OOM.names("openclaw-adapter-amazon-7d9f-x2k4")
    assert not OOM.names("adapter-amazon-7d9f-x2k4q")


def test_the_target_names_the_pod_whatever_the_text_says() -> None:
    """The summary and evidence may say anything (here nothing about the pod): the pod's
    severity follows the structured objects the analysis filled in."""
    terse = Finding(
        "adapter-crashloop", Severity.CRITICAL, ADAPTER, "1 container keeps crashing.",
        ("exit 1 at 12:00",),
        objects=(Target.pod("openclaw", "openclaw-adapter-amazon-7d9f-x2k4q", "adapter"),),
    )  # fmt: skip
    assert of_object((terse,), ADAPTER, "openclaw-adapter-amazon-7d9f-x2k4q") == Severity.CRITICAL
    # text naming a pod does not make the finding about it
    wordy = Finding("memory-near-limit", Severity.WARNING, ADAPTER, "Pod openclaw-x-1 uses 93%")
    assert of_object((wordy,), ADAPTER, "openclaw-x-1") == Severity.OK


def test_the_analysis_names_the_killed_pods_as_objects() -> None:
    findings = kube_findings(fleet(), NOW)
    oom = next(f for f in findings if f.id == "adapter-oomkilled")
    assert oom.target == Target.deployment("openclaw", "openclaw-adapter-amazon", "amazon")
    (killed,) = oom.objects
    assert killed.kind == "Pod" and killed.container and killed.platform == "amazon"
    assert of_object(findings, ADAPTER, killed.name) == Severity.CRITICAL


def test_a_subject_takes_its_worst_finding() -> None:
    assert of_subject((OOM, MEMORY), ADAPTER) == Severity.CRITICAL
    assert of_subject((MEMORY,), ADAPTER) == Severity.WARNING
    assert of_subject((OOM,), "openclaw/openclaw-adapter-shopee") == Severity.OK


def test_one_worst_helper_filters_by_rule() -> None:
    assert worst(()) == Severity.OK
    assert worst((OOM, MEMORY)) == Severity.CRITICAL
    assert worst((OOM, MEMORY), ("memory-near-limit",)) == Severity.WARNING
