from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oc_console.sandbox.database import SandboxDatabase


@pytest.fixture(scope="session")
def pool_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxDatabase]:
    """The sandbox database with the `pool` scenario: 120 leaked sessions and a lock chain."""
    db = SandboxDatabase(Path(tmp_path_factory.mktemp("pool")), pool_scenario=True)
    db.start()
    try:
        yield db
    finally:
        db.stop()
