from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.sandbox.database import SandboxDatabase
from oc_console.sandbox.runner import Sandbox, parse_scenarios


@pytest.fixture(scope="session")
def pool_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxDatabase]:
    """The sandbox database with the `pool` scenario: 120 leaked sessions and a lock chain."""
    db = SandboxDatabase(Path(tmp_path_factory.mktemp("pool")), pool_scenario=True)
    db.start()
    try:
        yield db
    finally:
        db.stop()


@pytest.fixture(scope="session")
def fleet_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The whole sandbox with every scenario: database, Kubernetes API, metrics."""
    sandbox = Sandbox(parse_scenarios("all"), Path(tmp_path_factory.mktemp("fleet")))
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
