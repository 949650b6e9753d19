"""Single actions on a selected row (r restart, u rollback, s scale, p replay, c cancel,
k terminate, n renew): the same engine as the runbooks and the CLI. This module only asks
(a modal), shows (notifications) and refreshes; the engine checks, leases, previews, audits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_console.runbook.engine import Result
from oc_console.sanitize import clean
from screens.confirm import ConfirmScreen, ValuePrompt

if TYPE_CHECKING:
    from screens.base import ConsoleScreen

# the Textual action that acts; hidden and unbound in read-only mode
DANGEROUS_ACTION = "act"


async def perform(screen: ConsoleScreen, kind: str, params: dict[str, str]) -> Result | None:
    """Prepare, confirm, run, then say what happened. Runs in a worker."""
    app = screen.console_app
    service = app.service
    if kind == "scale" and "replicas" not in params:
        replicas = await app.push_screen_wait(
            ValuePrompt(f"replicas for {params.get('deployment')}:", "")
        )
        if not replicas:
            return None
        params = {**params, "replicas": replicas}
    screen.notify(f"{kind}: checking and previewing…", timeout=3)
    prepared = await service.prepare_action(kind, params)
    if isinstance(prepared, Result):
        screen.notify(clean(prepared.message), title=f"{kind} {prepared.status}",
                      severity="warning", timeout=12)  # fmt: skip
        return prepared
    yes = await app.push_screen_wait(ConfirmScreen(prepared))

    def progress(line: str) -> None:
        screen.notify(clean(line), timeout=4)

    result = await service.run_action(prepared, confirmed=yes, progress=progress)
    screen.notify(clean(result.message), title=f"{kind} {result.status}",
                  severity="information" if result.ok else "error", timeout=15)  # fmt: skip
    app.refresh_data()
    return result
