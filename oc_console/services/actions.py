"""The facade's actions: every one goes through the runbook engine (RBAC pre-check, Lease,
preview, confirmation, audit), whether a key, a runbook step or the CLI asked for it. There is
no shortcut that confirms for the caller: each goes through prepare and an explicit yes.

The engine and its actions (YAML, the Kubernetes client's calls) are imported on first use,
off the path to the console's first frame.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from oc_console.config import Config
from oc_console.errors import SourceError
from oc_console.runbook.audit import AuditLog

if TYPE_CHECKING:
    from oc_console.domain.kube import FleetSnapshot
    from oc_console.runbook.actions.base import Action, Progress
    from oc_console.runbook.check_context import Facts
    from oc_console.runbook.engine import Engine, Plan, Result
    from oc_console.runbook.runner import RunbookRun
    from oc_console.runbook.schema import Runbook
    from oc_console.services.action_service import ActionService
    from oc_console.services.poller import Poller


class ConsoleActions:
    config: Config
    context_label: str | None
    audit: AuditLog
    kube: Poller[FleetSnapshot]
    actions: ActionService  # running and recent actions: they outlive the screen that started them
    _engine: Engine | None
    _runbooks: dict[str, Runbook] | None

    async def _import_clients(self) -> None: ...

    def facts(self) -> Facts:
        raise NotImplementedError  # the facade hands out its own

    async def engine(self) -> Engine:
        """Built on first use: it connects to the cluster and asks who we are."""
        from oc_console.runbook.engine import Engine
        from oc_console.runbook.env import open_env

        if self._engine is None:
            env = await open_env(self.config, self.context_label)
            env.fleet = lambda: self.kube.value  # who owns a Deployment, for the undo preview
            if self.kube.configured and self.kube.value is None:
                await self._import_clients()
                await self.kube.tick(force=True)
            self._engine = Engine(env, self.audit, read_only=self.config.read_only)
        return self._engine

    async def prepare_action(self, kind: str, params: dict[str, str]) -> Plan | Result:
        """Checked and previewed, waiting for a confirmation (or a Result saying why not)."""
        from oc_console.runbook.actions.base import ActionStop
        from oc_console.runbook.actions.registry import make_action
        from oc_console.runbook.engine import Result

        try:
            namespace, vm = self.config.kubernetes.namespaces[0], self.config.docker_configured
            action = make_action(kind, params, namespace, on_vm=vm)
        except ActionStop as exc:
            return Result("failed", str(exc), "error")
        return await self.prepare(action)

    async def prepare(self, action: Action) -> Plan | Result:
        """An action built by its caller (a silence from an alert's labels), prepared alike."""
        from oc_console.runbook.actions.base import ActionStop
        from oc_console.runbook.engine import Result

        try:
            engine = await self.engine()
        except (ActionStop, SourceError) as exc:
            return Result("failed", str(exc), "error")
        return await engine.prepare(action)

    async def run_action(
        self, plan: Plan, *, confirmed: bool, typed: str = "", progress: Progress | None = None
    ) -> Result:
        engine = await self.engine()
        return await engine.run(plan, confirmed=confirmed, typed=typed, progress=progress)

    def runbooks(self) -> dict[str, Runbook]:
        """The shipped runbooks by id, loaded once (a broken file raises RunbookError)."""
        from oc_console.runbook.loader import load_dir

        if self._runbooks is None:
            self._runbooks = load_dir()
        return self._runbooks

    async def start_runbook(self, book: Runbook, params: dict[str, str]) -> RunbookRun:
        """A runbook ready to walk; RunbookError names a missing or bad parameter."""
        from oc_console.runbook.check_context import CheckContext
        from oc_console.runbook.runner import RunbookRun, bind_params

        values = bind_params(book, params)
        engine = await self.engine()
        return RunbookRun(book, values, CheckContext(self.facts(), engine.env), engine)

    async def unfinished_actions(self) -> list[dict[str, Any]]:
        """Actions whose start record has no end: a console died in the middle of one."""
        reading = await asyncio.to_thread(self.audit.read)
        return reading.unfinished()
