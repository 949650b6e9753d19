"""Deterministic tests: no config discovery, no inherited OC_*/PG*/KUBECONFIG settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_INHERITED = ("OC_", "PG", "KUBECONFIG", "NO_COLOR", "XDG_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(_INHERITED):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".state"))
    return home
