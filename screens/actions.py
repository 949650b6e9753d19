"""Single actions on a selected row (r restart, u rollback, s scale, p replay, c cancel,
k terminate, n renew): the same engine as the runbooks and the CLI. This module only asks
(a modal), shows (notifications) and refreshes; the engine checks, leases, previews, audits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_console.sanitize import clean

if TYPE_CHECKING:
    from oc_console.runbook.actions.base import Action
    from oc_console.runbook.engine import Plan, Result
    from screens.base import ConsoleScreen

# the Textual actions that write somewhere; hidden and unbound in read-only mode
DANGEROUS_ACTIONS = frozenset({"act", "silence", "expire_silence"})


async def perform(screen: ConsoleScreen, kind: str, params: dict[str, str]) -> Result | None:
    """Prepare, confirm, run, then say what happened. Runs in a worker."""
    from screens.confirm import ValuePrompt

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
    return await confirm_and_run(screen, kind, await service.prepare_action(kind, params))


async def perform_built(screen: ConsoleScreen, action: Action) -> Result | None:
    """The same for an action its screen built (a silence from an alert's labels)."""
    screen.notify(f"{action.title}: checking and previewing…", timeout=3)
    return await confirm_and_run(
        screen, action.kind, await screen.console_app.service.prepare(action)
    )


async def confirm_and_run(screen: ConsoleScreen, kind: str, prepared: Plan | Result) -> Result:
    # the engine and the modal are imported on the first action, off the first frame's path
    from oc_console.runbook.engine import Result
    from screens.confirm import ConfirmScreen

    app = screen.console_app
    service = app.service
    if isinstance(prepared, Result):
        screen.notify(clean(prepared.message), title=f"{kind} {prepared.status}",
                      severity="warning", timeout=12)  # fmt: skip
        return prepared
    answer = await app.push_screen_wait(ConfirmScreen(prepared))

    def progress(line: str) -> None:
        screen.notify(clean(line), timeout=4)

    typed = answer if isinstance(answer, str) else ""
    result = await service.run_action(
        prepared, confirmed=answer is not False, typed=typed, progress=progress
    )
    screen.notify(clean(result.message), title=f"{kind} {result.status}",
                  severity="information" if result.ok else "error", timeout=15)  # fmt: skip
    app.refresh_data()
    return result
