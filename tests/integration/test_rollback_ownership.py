"""A rollback that knows who owns the Deployment: its preview names the Helm release (with the
`helm rollback` that makes Helm agree) or the Argo CD app, an auto-syncing app must be typed
to confirm, and the owner is in the audit records, the refusal's included."""

from __future__ import annotations

import pytest
from action_fixtures import records

from oc_console.runbook.engine import Plan
from oc_console.services.console import Console

pytestmark = pytest.mark.integration
NS = "openclaw"


@pytest.fixture
def console(previews_console: Console) -> Console:
    """Previews and a refused undo only: the shared sandbox stays as it was."""
    return previews_console


async def test_helm_owned_undo_names_the_release_and_the_helm_command(console: Console) -> None:
    plan = await console.prepare_action(
        "undo", {"namespace": NS, "deployment": "openclaw-adapter-shopee"}
    )
    assert isinstance(plan, Plan), plan
    detail = plan.preview.detail
    assert "Helm release openclaw/openclaw-adapter-shopee" in detail
    assert "helm rollback openclaw-adapter-shopee" in detail
    assert plan.preview.facts["owner"] == "helm"
    assert plan.preview.confirm_with is None  # Helm does not revert an undo by itself


async def test_argo_owned_undo_is_refused_unless_the_app_is_named(console: Console) -> None:
    params = {"namespace": NS, "deployment": "openclaw-adapter-tiktok"}
    plan = await console.prepare_action("undo", params)
    assert isinstance(plan, Plan), plan
    app = plan.preview.confirm_with
    assert app and app in plan.preview.detail and "reverted" in plan.preview.detail
    before = plan.preview.version
    refused = await console.run_action(plan, confirmed=True, typed="yes")
    assert refused.status == "refused" and app in refused.message
    (record,) = records(console.audit.path)
    assert record["phase"] == "refused" and record["reason"] == "declined"
    assert record["target"]["owner"] == "argocd"
    again = await console.prepare_action("undo", params)
    assert isinstance(again, Plan) and again.preview.version == before  # nothing was written


async def test_last_good_goes_where_the_last_good_helm_release_ran(console: Console) -> None:
    """shopee's revision 3 is a failed Helm upgrade; revision 2 ran what Helm's last good
    release rendered, and is where `to_revision: last-good` goes."""
    params = {"namespace": NS, "deployment": "openclaw-adapter-shopee", "to_revision": "last-good"}
    plan = await console.prepare_action("undo", params)
    assert isinstance(plan, Plan), plan
    assert plan.preview.facts["to_revision"] == "2"
    assert plan.preview.facts["helm_revision"] == "3"  # the Helm revision that rendered it
    assert "helm rollback openclaw-adapter-shopee 3 -n openclaw" in plan.preview.detail
