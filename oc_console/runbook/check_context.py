"""What a runbook check is given and what it returns: the facts it reads, its context, and its
judged result (ok / problem / unknown), with the small helpers every family of checks shares.

"unknown" is never "ok": a source that cannot be read says so (never a false OK)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from oc_console.domain.kube import AdapterHealth, FleetSnapshot, LogLine
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.actions.base import ActionEnv


class LogTail(Protocol):
    def __call__(
        self, namespace: str, pod: str, container: str, *, previous: bool = False, tail: int = 500
    ) -> Awaitable[tuple[LogLine, ...]]: ...


@dataclass(frozen=True)
class Facts:
    """What checks read, handed to them by whoever runs them: a snapshot with every source
    read now, and a container's last log lines. Nothing else of the console reaches them."""

    fresh: Callable[[], Awaitable[ConsoleSnapshot]]
    log_tail: LogTail


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # ok | problem | unknown
    summary: str
    lines: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = field(default_factory=tuple)  # for an action's for_each


@dataclass
class CheckContext:
    facts: Facts
    env: ActionEnv


Check = Callable[[CheckContext, dict[str, str]], Awaitable[CheckResult]]


def unknown(why: str) -> CheckResult:
    return CheckResult("unknown", why)


def adapter_named(fleet: FleetSnapshot | None, args: dict[str, str]) -> AdapterHealth | None:
    if fleet is None:
        return None
    return next(
        (a for a in fleet.adapters
         if a.name == args.get("deployment") and a.namespace == args.get("namespace")),
        None,
    )  # fmt: skip


def unseen(ctx: CheckContext, args: dict[str, str]) -> CheckResult:
    if ctx.env.docker is not None:  # a VM: the deployment parameter names a compose service
        return unknown(f"cannot see service {args.get('deployment')} in compose project "
                        f"{args.get('namespace')} (Docker source)")  # fmt: skip
    return unknown(f"cannot see deployment {args.get('deployment')} (Kubernetes source)")
