"""The Certificates screen's POLICY column and the analysis judge by the one configured
renewBefore policy: with `renew_before_policy_hours = 168` (or 12) in the config, the screen
never says "<336h" while the analysis says the certificate is fine."""

from __future__ import annotations

from pathlib import Path

import pytest

from oc_console.config_loading import load_config
from oc_console.sandbox.runner import Sandbox
from oc_console.screens.app import make_app
from oc_console.screens.widgets.row_table import RowTable
from oc_console.services.console import Console
from tests.ui.pilot_helpers import until

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("hours", "api_tls"), [(168, "<168h"), (12, "ok")])
async def test_the_screen_and_the_analysis_agree_on_the_configured_policy(
    fleet_sandbox: Sandbox, tmp_path: Path, hours: int, api_tls: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[kubernetes.thresholds]\nrenew_before_policy_hours = {hours}\n")
    config = load_config(path, flags=fleet_sandbox.flags(), environ={})
    app = make_app(Console(config))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.fleet))
        await pilot.press("5")
        certs = app.screen.query_one("#certs", RowTable)
        await until(pilot, lambda: len(certs.rows) > 0)
        findings = app.snapshot.findings  # type: ignore[union-attr]
        late = {f.subject for f in findings if f.id == "cert-renew-before-policy"}
        for row in certs.rows:
            assert row.cells[6] == (f"<{hours}h" if row.key in late else "ok"), row.key
        # api-tls renews 24h before expiry: below 168h, above 12h
        api = next(r for r in certs.rows if r.cells[1] == "openclaw-api-tls")
        assert api.cells[6] == api_tls
