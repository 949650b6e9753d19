"""The headless core imports without Textual; the import contracts hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BLOCK_TEXTUAL = """
import importlib, pkgutil, sys
sys.modules["textual"] = None  # any import of textual now fails
import oc_console
UI = ("oc_console.cli", "oc_console.screens")  # the UI and what starts it; runbooks are data
for mod in pkgutil.walk_packages(oc_console.__path__, "oc_console."):
    if mod.name.startswith(UI) or mod.name.endswith("__main__"):
        continue
    importlib.import_module(mod.name)
print("ok", len(sys.modules))
"""


def test_core_imports_without_textual() -> None:
    out = subprocess.run(
        [sys.executable, "-c", BLOCK_TEXTUAL], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")


def test_cli_help_does_not_import_textual() -> None:
    code = "import sys; from oc_console import cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
