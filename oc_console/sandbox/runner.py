"""The whole sandbox: an OpenClaw fleet on 127.0.0.1 for `oc-console demo`, drills and tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from oc_console.errors import UserError
from oc_console.sandbox.database import SandboxDatabase

SCENARIOS = ("oom", "crashloop", "pool", "cert", "order", "webhook")


def parse_scenarios(text: str) -> frozenset[str]:
    """`all`, `none`, or a comma-separated list of SCENARIOS."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    if names == {"all"}:
        return frozenset(SCENARIOS)
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(SCENARIOS))
    if unknown or not names:
        choices = "|".join((*SCENARIOS, "all", "none"))
        raise UserError(f"unknown scenario '{','.join(unknown) or text}' (choose {choices})")
    return frozenset(names)


class Sandbox:
    def __init__(self, scenarios: frozenset[str], workdir: Path | None = None) -> None:
        self.scenarios = scenarios
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oc-sandbox-"))
        self.database = SandboxDatabase(self.workdir / "db", pool_scenario="pool" in scenarios)
        self._started: list[SandboxDatabase] = []

    def start(self) -> Sandbox:
        try:
            self.database.start()
            self._started.append(self.database)
        except BaseException:
            self.stop()
            raise
        return self

    def flags(self) -> dict[str, object]:
        """Config overrides (dotted keys) that point the console at this sandbox."""
        return {"postgres.dsn": self.database.dsn}

    def env(self) -> dict[str, str]:
        """What other clients (psql, kubectl, curl) and the console need to reach the sandbox."""
        return {"OC_PG_DSN": self.database.dsn, "DATABASE_URL": self.database.dsn}

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
