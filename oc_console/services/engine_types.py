"""The runbook engine's types as the facade hands them to the screens.

The facade returns these (a plan to confirm, a result, a runbook walk and its outcomes), so the
screens name them; they import them from here, never from the engine itself, and stay on the
facade's side of the import contract. Importing this module loads the engine: screens import
it on the first action, off the first frame's path."""

from __future__ import annotations

from oc_console.runbook.actions.base import Action, ActionStop
from oc_console.runbook.engine import Plan, Result
from oc_console.runbook.loader import RunbookError
from oc_console.runbook.runner import RunbookRun, StepOutcome
from oc_console.runbook.schema import ActionStep, NoteStep, Runbook
from oc_console.runbook.templating import ParamError, substitute

__all__ = [
    "Action",
    "ActionStep",
    "ActionStop",
    "NoteStep",
    "ParamError",
    "Plan",
    "Result",
    "Runbook",
    "RunbookError",
    "RunbookRun",
    "StepOutcome",
    "substitute",
]
