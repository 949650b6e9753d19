"""Which runbook a finding leads to, and the parameters the finding already tells us."""

from __future__ import annotations

from collections.abc import Mapping

from oc_console.analysis.database import leaking_application
from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.schema import Runbook


def runbook_for(finding: Finding, books: Mapping[str, Runbook]) -> Runbook | None:
    """The finding's own runbook id first, else the first runbook that applies to its rule."""
    if finding.runbook is not None and finding.runbook in books:
        return books[finding.runbook]
    return next((b for b in books.values() if finding.id in b.applies_to), None)


def params_from(finding: Finding, book: Runbook, snap: ConsoleSnapshot | None) -> dict[str, str]:
    """What the finding names, from the structured target the analysis gave it (a Deployment's
    or a Certificate's namespace and name, an order's id) and its own parameters; the leaking
    application_name from the snapshot's sessions when the analysis did not name one."""
    params = finding.runbook_params
    # a finding made without it (by hand, from an older recording) still names the leaker
    if "application_name" in book.params and "application_name" not in params:
        app = leaking_application(snap.database) if snap and snap.database else None
        if app is not None:
            params["application_name"] = app
    return {k: v for k, v in params.items() if k in book.params}
