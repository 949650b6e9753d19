"""restart on a VM: the Docker Engine's restart of every container of one compose service.

The compose project is the scope (what a namespace is on a cluster) and the service the
target. The preview names the containers; the version the engine re-checks is their ids, so a
container replaced (`docker compose up`) or added between the preview and the yes stops the
action. It is verified as an on-call engineer would: each container running and healthy, or,
without a health check, up for UP_SECONDS without a restart.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from oc_console.errors import SourceError
from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Preview,
    Progress,
    Refused,
    Target,
)
from oc_console.sources.docker.client import DockerClient
from oc_console.sources.docker.parse import parse_time

STOP_SECONDS = 10  # `docker restart`'s default grace before the kill
UP_SECONDS = 10.0  # without a health check: up this long without a restart is a good restart

Obj = dict[str, Any]


def _name(obj: Obj) -> str:
    names = obj.get("Names") or [obj.get("Name") or str(obj.get("Id", ""))[:12]]
    return str(names[0]).lstrip("/")


async def _docker(env: ActionEnv, call: str, *args: Any) -> Any:
    """A blocking Engine call in a thread; its one-line error stops the action."""
    docker: DockerClient = env.require_docker()
    try:
        return await asyncio.to_thread(getattr(docker, call), *args)
    except SourceError as exc:
        raise ActionFailed(str(exc)) from None


def service_health(objs: list[Obj]) -> tuple[bool, str]:
    """(all good, what is not): every container running, not restarting, and healthy when it
    has a health check, as inspect says."""
    waiting = []
    for obj in objs:
        state, name = obj.get("State") or {}, _name(obj)
        health = (state.get("Health") or {}).get("Status")
        if state.get("Restarting"):
            waiting.append(f"{name} restarting (exit {state.get('ExitCode')})")
        elif not state.get("Running"):
            waiting.append(f"{name} {state.get('Status')} (exit {state.get('ExitCode')})")
        elif health not in (None, "healthy"):
            waiting.append(f"{name} {health}")
    if not objs:
        return False, "no container"
    if waiting:
        return False, "; ".join(waiting)
    healthy = " and healthy" if any((o.get("State") or {}).get("Health") for o in objs) else ""
    return True, f"{len(objs)} of {len(objs)} containers running{healthy}"


async def service_state(env: ActionEnv, project: str, service: str) -> tuple[bool, str]:
    """The `rollout-complete` check on a VM: the service's containers as they are now."""
    rows: list[Obj] = await _docker(env, "service", project, service)
    objs = [await _docker(env, "inspect", str(r["Id"])) for r in sorted(rows, key=_name)]
    done, message = service_health([o for o in objs if o is not None])
    return done, f"service {project}/{service}: {message}"


async def service_env(
    env: ActionEnv, project: str, service: str, key: str
) -> list[tuple[str, bytes | None]]:
    """Each container of the service and the value of `key` in its environment (None when
    it has none). The value is handed to the caller to judge and is never kept here."""
    rows: list[Obj] = await _docker(env, "service", project, service)
    found = []
    for r in sorted(rows, key=_name):
        obj: Obj | None = await _docker(env, "inspect", str(r["Id"]))
        if obj is None:
            continue
        pairs = (obj.get("Config") or {}).get("Env") or []
        value = next((e.partition("=")[2] for e in pairs if e.startswith(f"{key}=")), None)
        found.append((_name(obj), None if value is None else value.encode()))
    return found


class ServiceRestart(Action):
    kind = "restart"
    title = "restart service"

    def __init__(self, target: Target, params: dict[str, Any] | None = None) -> None:
        super().__init__(target, params)
        self._since: datetime | None = None
        self._ids: tuple[str, ...] = ()

    @property
    def _where(self) -> str:
        return f"{self.target.namespace}/{self.target.name}"

    async def _containers(self, env: ActionEnv) -> list[Obj]:
        rows: list[Obj] = await _docker(env, "service", self.target.namespace, self.target.name)
        return sorted(rows, key=_name)

    async def check(self, env: ActionEnv) -> None:
        if not await self._containers(env):
            raise Refused(
                "precondition",
                f"no container of service {self.target.name} in compose project "
                f"{self.target.namespace}",
            )

    async def current_version(self, env: ActionEnv) -> str:
        return ",".join(str(r["Id"]) for r in await self._containers(env))

    async def preview(self, env: ActionEnv) -> Preview:
        rows = await self._containers(env)
        names = [_name(r) for r in rows]
        detail = "\n".join(
            f"POST /containers/{str(r['Id'])[:12]}/restart?t={STOP_SECONDS}  {_name(r)}: "
            f"{r.get('Status') or r.get('State')}, image {r.get('Image')}"
            for r in rows
        )
        return Preview(
            summary=f"restart the {len(rows)} container(s) of service {self._where}: "
            + ", ".join(names),
            detail=detail,
            version=",".join(str(r["Id"]) for r in rows),
            facts={"containers": ",".join(names)},
        )

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        self._ids = tuple(preview.version.split(","))
        self._since = datetime.now(UTC)
        for cid in self._ids:
            await _docker(env, "restart", cid, STOP_SECONDS)
        return f"service {self._where} restarted ({len(self._ids)} containers)"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        deadline = time.monotonic() + env.rollout_timeout
        first: dict[str, tuple[object, object]] = {}  # each container's start after ours
        last = ""
        while True:
            objs = [await self._inspect(env, cid) for cid in self._ids]
            now = datetime.now(UTC)
            done, message = self._judge(objs, first, now)
            if message != last:
                progress(message)
                last = message
            if done:
                return message
            if time.monotonic() >= deadline:
                raise ActionFailed(f"not settled after {env.rollout_timeout:g}s: {message}")
            await asyncio.sleep(env.poll_interval)

    async def _inspect(self, env: ActionEnv, cid: str) -> Obj:
        obj: Obj | None = await _docker(env, "inspect", cid)
        if obj is None:
            raise ActionFailed(f"container {cid[:12]} of {self._where} is gone since the restart")
        return obj

    def _judge(
        self, objs: list[Obj], first: dict[str, tuple[object, object]], now: datetime
    ) -> tuple[bool, str]:
        """Raises when a container ended or restarted again after ours."""
        waiting = []
        for obj in objs:
            state, name, cid = obj.get("State") or {}, _name(obj), str(obj["Id"])
            started = parse_time(state.get("StartedAt"))
            if started is None or self._since is None or started < self._since:
                waiting.append(f"{name} not started yet")
                continue
            seen = (state.get("StartedAt"), obj.get("RestartCount"))
            if first.setdefault(cid, seen) != seen or state.get("Restarting"):
                raise ActionFailed(f"{name} restarted again after the restart "
                                   f"(exit {state.get('ExitCode')})")  # fmt: skip
            if not state.get("Running"):
                raise ActionFailed(f"{name} {state.get('Status')} after the restart "
                                   f"(exit {state.get('ExitCode')})")  # fmt: skip
            health = (state.get("Health") or {}).get("Status")
            up = (now - started).total_seconds()
            if health is not None and health != "healthy":
                waiting.append(f"{name} {health}")
            elif health is None and up < UP_SECONDS:
                waiting.append(f"{name} running, not yet up {UP_SECONDS:g}s")
        if waiting:
            return False, "waiting: " + "; ".join(waiting)
        checked = sum(bool((o.get("State") or {}).get("Health")) for o in objs)
        how = " or ".join(
            ([] if not checked else ["healthy"])
            + ([] if checked == len(objs) else [f"up {UP_SECONDS:g}s without a restart"])
        )
        return True, f"{len(objs)} of {len(objs)} containers of {self._where} running, {how}"
