"""Single actions on a selected row (r restart, u rollback, s scale, p replay, c cancel,
k terminate, n renew): the same engine as the runbooks and the CLI. This module only asks
(a modal) and hands the confirmed plan to the service, which runs it as its own task: leaving
the screen or pressing another action key never cancels it. The outcome comes back through
the service's listeners (a notification, the header, the screen that started it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_console.sanitize import clean, fit

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from oc_console.domain.kube import FleetSnapshot
    from oc_console.screens.base import ConsoleScreen
    from oc_console.services.action_service import ActionRun
    from oc_console.services.engine_types import Action, Plan, Result

# the Textual actions that write somewhere; hidden and unbound in read-only mode
DANGEROUS_ACTIONS = frozenset({"act", "silence", "expire_silence"})
NOTE_WIDTH = 72  # a notification is one line at 80 columns (the toast's border and padding)


def explicit_yes(plan: Plan, answer: object) -> tuple[bool, str]:
    """(confirmed, typed): only True, or the exact name the preview asks for, is a yes.
    None (a modal dismissed some other way), "", "yes" or a wrong name are a no."""
    name = plan.preview.confirm_with
    if name:
        typed = answer if isinstance(answer, str) else ""
        return typed == name, typed
    return answer is True, ""


def outcome_note(run: ActionRun) -> str:
    """One line: `restart amazon: done in 12s`, `restart amazon: declined`, or the reason."""
    head = f"{run.title}: {run.outcome}"
    if run.status == "done":
        from oc_console.domain.durations import human_duration

        return fit(f"{head} in {human_duration(run.elapsed())}", NOTE_WIDTH).rstrip()
    if run.outcome in ("declined", "interrupted") or not run.message:
        return fit(head, NOTE_WIDTH).rstrip()
    return fit(f"{head}: {run.message}", NOTE_WIDTH).rstrip()


def _severity(run: ActionRun) -> SeverityLevel:
    if run.status in ("done", "dry-run") or run.outcome == "declined":
        return "information"
    return "warning" if run.status == "refused" else "error"


def notify_outcome(app: App[None], run: ActionRun) -> None:
    """The outcome as one short notification, wherever the operator is."""
    app.notify(outcome_note(run), severity=_severity(run), timeout=15, markup=False)


def scale_question(fleet: FleetSnapshot | None, namespace: str, name: str) -> str:
    """What the scale prompt shows: the replicas now, and the HPA that would undo a manual
    scale (from the fleet the console already read)."""
    lines = [f"scale deployment {clean(name)}"]
    adapter = None
    if fleet is not None:
        adapter = next(
            (a for a in fleet.adapters if a.name == name and a.namespace in ("", namespace)), None
        )
    if adapter is None:
        lines.append("replicas now: unknown (the cluster has not been read yet)")
    else:
        lines.append(f"replicas now: {adapter.desired} ({adapter.ready} ready)")
        hpa = adapter.hpa
        if hpa is None:
            lines.append("no HorizontalPodAutoscaler targets it")
        else:
            lines.append(
                f"HPA {clean(hpa.name)} keeps it between {hpa.min_replicas} and "
                f"{hpa.max_replicas}: it will override a manual scale (change the HPA instead)"
            )
    lines.append("replicas:")
    return "\n".join(lines)


async def perform(screen: ConsoleScreen, kind: str, params: dict[str, str]) -> ActionRun | None:
    """Prepare and confirm in the screen's worker, then hand the plan to the service."""
    from oc_console.screens.confirm import ValuePrompt

    app = screen.console_app
    service = app.service
    if kind == "scale" and "replicas" not in params:
        name = params.get("deployment", "")
        fleet = app.snapshot.fleet if app.snapshot else None
        question = scale_question(fleet, params.get("namespace", ""), name)
        replicas = await app.push_screen_wait(ValuePrompt(question, ""))
        if not replicas:
            return None
        params = {**params, "replicas": replicas}
    screen.notify(f"{kind}: previewing…", timeout=3)
    name = next((v for k, v in params.items() if k not in ("namespace", "replicas")), "")
    return await confirm_and_start(screen, kind, name, await service.prepare_action(kind, params))


async def perform_built(screen: ConsoleScreen, action: Action) -> ActionRun | None:
    """The same for an action its screen built (a silence from an alert's labels)."""
    screen.notify(f"{action.title}: previewing…", timeout=3)
    prepared = await screen.console_app.service.prepare(action)
    return await confirm_and_start(screen, action.kind, action.target.name, prepared)


async def confirm_and_start(
    screen: ConsoleScreen, kind: str, name: str, prepared: Plan | Result
) -> ActionRun:
    # the engine and the modal are imported on the first action, off the first frame's path
    from oc_console.screens.confirm import ConfirmScreen
    from oc_console.services.action_service import busy_result
    from oc_console.services.engine_types import Result

    app = screen.console_app
    actions = app.service.actions
    if isinstance(prepared, Result):
        return actions.refused(kind, name, prepared, origin=screen.actions_origin)
    busy = actions.busy(prepared.action.target.label)
    if busy is not None:  # asked again while it runs: say so rather than ask
        return actions.refused(kind, name, busy_result(busy), origin=screen.actions_origin)
    answer = await app.push_screen_wait(ConfirmScreen(prepared))
    confirmed, typed = explicit_yes(prepared, answer)
    # a no goes to the engine too: it audits the refusal
    return actions.start(prepared, confirmed=confirmed, typed=typed, origin=screen.actions_origin)
