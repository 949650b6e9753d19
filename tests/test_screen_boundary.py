"""Screens import only the facade, the domain types, the sanitiser and the errors. The import
contract that says so forbids every other module of oc_console by name (import-linter has no
"all but"), so a new top-level module would slip past it unnoticed; this test keeps the list
whole, and walks the screens' own imports as a second check."""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from pathlib import Path

import oc_console

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "screens import only the facade, the domain, the sanitiser and the errors"
ALLOWED = {
    "oc_console.services",
    "oc_console.domain",
    "oc_console.sanitize",
    "oc_console.errors",
    "oc_console.screens",  # one another
}


def _contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == CONTRACT)


def test_every_module_but_the_allowed_ones_is_forbidden_to_the_screens() -> None:
    contract = _contract()
    everything = {f"oc_console.{m.name}" for m in pkgutil.iter_modules(oc_console.__path__)}
    forbidden = set(contract["forbidden_modules"])  # type: ignore[call-overload]
    assert contract["source_modules"] == ["oc_console.screens"]
    assert everything - ALLOWED - {"oc_console.screens"} <= forbidden, (
        "add new modules to the contract"
    )
    assert not ALLOWED & forbidden


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_no_screen_imports_below_the_facade() -> None:
    """Type-checking and lazy imports too: import-linter sees them, and so does this."""
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "screens").rglob("*.py"))
        for name in _imported(path)
        if name.startswith("oc_console.")
        and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
    }
    assert not wrong, sorted(wrong)
