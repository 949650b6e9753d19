"""The command line is the composition root: nothing else imports it. The import contract that
says so lists every other module by name (import-linter has no "all but"), so a new top-level
module would slip past it unnoticed; this test keeps the list whole."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import oc_console

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "nothing but the command line imports the command line"


def _contract(name: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


def test_every_module_but_the_cli_is_forbidden_to_import_it() -> None:
    contract = _contract(CONTRACT)
    everything = {f"oc_console.{m.name}" for m in pkgutil.iter_modules(oc_console.__path__)}
    listed = set(contract["source_modules"])  # type: ignore[call-overload]
    assert everything - {"oc_console.cli"} <= listed, "add new modules to the contract"
    assert "oc_console.screens" in listed
    assert contract["forbidden_modules"] == ["oc_console.cli"]


def test_the_engine_is_forbidden_the_facade_and_the_cli() -> None:
    contract = _contract(
        "the runbook engine and its actions never reach up to the facade or the command line"
    )
    assert contract["source_modules"] == ["oc_console.runbook"]
    assert set(contract["forbidden_modules"]) == {  # type: ignore[call-overload]
        "oc_console.services",
        "oc_console.cli",
    }


def test_the_console_script_resolves_to_the_cli_main() -> None:
    import importlib

    from oc_console.cli.main import main

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    module, _, name = config["project"]["scripts"]["oc-console"].partition(":")
    assert getattr(importlib.import_module(module), name) is main
