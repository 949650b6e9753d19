"""A failed Helm upgrade is a finding from its first failure: the sandbox's release Secrets,
re-written as Helm's storage driver would after `helm upgrade` failed (or after `--atomic`
rolled it back), parsed by the source's own decoder."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from typing import Any

from oc_console.analysis.release_findings import release_findings
from oc_console.domain.findings import Finding
from oc_console.sandbox.kube.releases import release_secret
from oc_console.sandbox.kube.resources import SECRET
from oc_console.sandbox.kube.timefmt import rfc3339
from tests.unit.releases_fleet import NOW, adapter, sandbox_objects, snapshot

Obj = dict[str, Any]
ERROR = 'Upgrade "openclaw-adapter-lazada" failed: timed out waiting for the condition'


def _release(secret: Obj) -> Obj:
    raw = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    return dict(json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw))


def _revisions(objects: dict[Any, list[Obj]], platform: str) -> dict[int, Obj]:
    name = f"openclaw-adapter-{platform}"
    found = (_release(s) for s in objects[SECRET] if s["metadata"]["name"].startswith("sh.helm"))
    return {r["version"]: r for r in found if r["name"] == name}


def _write(objects: dict[Any, list[Obj]], rel: Obj) -> None:
    """Replace or add the revision's Secret, as Helm's storage driver does."""
    secret = release_secret(rel)
    name = secret["metadata"]["name"]
    objects[SECRET] = [s for s in objects[SECRET] if s["metadata"]["name"] != name] + [secret]


def _revision(rel: Obj, version: int, status: str, description: str, ago: float) -> Obj:
    when = rfc3339(NOW.timestamp() - ago)
    info = {**rel["info"], "status": status, "description": description, "last_deployed": when}
    return {**rel, "version": version, "info": info}


def _failed(findings: list[Finding], platform: str) -> list[Finding]:
    key = f"openclaw/openclaw-adapter-{platform}"
    return [f for f in findings if f.id == "release-failed" and f.subject == key]


def test_one_failed_upgrade_of_a_healthy_adapter_is_a_finding_without_a_rollback() -> None:
    objects = sandbox_objects(frozenset())
    deployed = _revisions(objects, "lazada")[3]
    _write(objects, _revision(deployed, 4, "failed", ERROR, 600))
    snap = snapshot(objects)
    assert adapter(snap, "lazada").ready >= adapter(snap, "lazada").desired
    [finding] = _failed(release_findings(snap, NOW), "lazada")
    assert finding.evidence[0].startswith("failed: revision 4 failed at ")
    assert finding.evidence[0].endswith(ERROR)  # Helm's own error, verbatim
    assert finding.evidence[1].startswith("last deployed: revision 3 deployed at ")
    assert finding.evidence[2] == (
        "not rolled back: no revision deployed after 4; --atomic would have rolled it back "
        "to revision 3"
    )
    assert "revision 4" in finding.summary and "revision 3 as deployed" in finding.summary
    assert finding.runbook is None  # nothing is hurting: no rollback to run


def test_one_failed_upgrade_of_a_crashlooping_adapter_links_the_crashloop_rollback() -> None:
    snap = snapshot(sandbox_objects())  # shopee's revisions 4 and 5 failed; keep only 4
    helm = tuple(r for r in snap.helm if not (r.release.endswith("shopee") and r.revision == 5))
    snap = replace(snap, helm=helm)
    [finding] = _failed(release_findings(snap, NOW), "shopee")
    assert finding.runbook == "adapter-crashloop"
    assert "CRD platformconnectors.connectors.openclaw.io" in finding.evidence[0]
    assert finding.evidence[-1] == (
        'rollout stuck: deployment "openclaw-adapter-shopee" exceeded its progress deadline: '
        "roll back with runbook adapter-crashloop (its undo step)"
    )


def test_an_upgrade_that_atomic_rolled_back_is_no_finding() -> None:
    objects = sandbox_objects(frozenset())
    revisions = _revisions(objects, "lazada")
    # what `helm upgrade --atomic` leaves: the failed revision, then a rollback deployed
    _write(objects, _revision(revisions[3], 3, "superseded", "Upgrade complete", 900))
    _write(objects, _revision(revisions[3], 4, "failed", ERROR, 600))
    _write(objects, _revision(revisions[3], 5, "deployed", "Rollback to 3", 590))
    assert _failed(release_findings(snapshot(objects), NOW), "lazada") == []


def test_all_well_releases_have_no_failed_finding() -> None:
    findings = release_findings(snapshot(sandbox_objects(frozenset())), NOW)
    assert [f for f in findings if f.id == "release-failed"] == []
