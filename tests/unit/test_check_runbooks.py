"""`check` names the runbook the screens link each finding to: its own, else the shipped
runbook that applies to its rule."""

from __future__ import annotations

from oc_console.cli.report import check_json, with_runbooks
from oc_console.domain.findings import Finding, Severity
from oc_console.domain.snapshot import ConsoleSnapshot
from tests.unit.test_kube_analysis import NOW


def snap(*findings: Finding) -> ConsoleSnapshot:
    return ConsoleSnapshot(NOW, "ctx", ("openclaw",), False, (), None, findings)


def test_a_finding_without_its_own_runbook_gets_the_one_that_applies_to_its_rule() -> None:
    throttled = Finding("adapter-throttled", Severity.WARNING, "openclaw/shopee", "429s")
    own = Finding("adapter-oomkilled", Severity.CRITICAL, "openclaw/amazon", "oom",
                  runbook="adapter-oomkilled")  # fmt: skip
    none = Finding("image-by-tag", Severity.WARNING, "openclaw/amazon", "tag")
    doc = check_json(with_runbooks(snap(throttled, own, none)))
    by_id = {f["id"]: f["runbook"] for f in doc["findings"]}
    assert by_id == {"adapter-throttled": "order-sync-failed",
                     "adapter-oomkilled": "adapter-oomkilled", "image-by-tag": None}  # fmt: skip
