"""The runbook format: `id, title, applies_to, params, steps[]`, each step one of `check`,
`action`, `wait` or `note`. Data, validated; nothing in a runbook is ever executed as code."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STEP_KINDS = ("check", "action", "wait", "note")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict):
    description: str
    default: str | None = None
    required: bool = True


class CheckStep(_Strict):
    kind: Literal["check"] = "check"
    check: str  # a query id from checks.CHECKS
    title: str
    with_: dict[str, str] = Field(default_factory=dict, alias="with")


class ActionStep(_Strict):
    kind: Literal["action"] = "action"
    action: str  # an action kind from actions.registry.ACTIONS
    title: str
    with_: dict[str, str] = Field(default_factory=dict, alias="with")
    # act on every row a check returns (e.g. each session idle in transaction too long)
    for_each: str | None = None
    # The checks (ids of earlier `check` steps) whose target this action acts on. The action
    # runs only if each of them saw its target (judged ok or problem); one that could not see
    # it ("unknown": cannot see, refused, failed) stops the runbook before this action. Left
    # out, the action needs every check before it: forgetting it can only make a run stricter.
    needs: tuple[str, ...] | None = None


class WaitStep(_Strict):
    kind: Literal["wait"] = "wait"
    wait: str  # a check id; waits until it judges "ok"
    title: str
    with_: dict[str, str] = Field(default_factory=dict, alias="with")
    timeout: float = Field(default=120, gt=0, le=3600)
    interval: float = Field(default=1.0, gt=0, le=60)


class NoteStep(_Strict):
    kind: Literal["note"] = "note"
    note: str  # Markdown for the human
    title: str = "Note"
    # A manual fix the steps after it depend on (e.g. "Is the Secret fixed?"): the walk asks
    # "done? (y/n)" and stops on no; where nobody can be asked, the run explains it and stops.
    ask: str | None = None
    # the check (of an earlier step) that sees the fix: when it said ok, the fix is in and
    # nobody is asked (a walk again after fixing goes straight on)
    fixed_if_ok: str | None = None


Step = CheckStep | ActionStep | WaitStep | NoteStep
STEP_MODELS: dict[str, type[CheckStep | ActionStep | WaitStep | NoteStep]] = {
    "check": CheckStep,
    "action": ActionStep,
    "wait": WaitStep,
    "note": NoteStep,
}


class Runbook(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    applies_to: tuple[str, ...] = ()  # finding ids
    params: dict[str, Param] = Field(default_factory=dict)
    steps: tuple[Step, ...]
    source: str = ""  # file it came from, for messages
