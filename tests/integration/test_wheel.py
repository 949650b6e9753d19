"""The package as `pip install` puts it on a machine: one top-level name, `oc_console`, with the
screens and the shipped runbooks inside it, and `oc-console demo` running from it alone (from a
directory outside the checkout, so nothing of the repository is importable)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.integration.tmux_demo import Demo

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [built] = out.glob("oc_console-*.whl")
    return built


def test_the_wheel_adds_one_top_level_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"oc_console"}
    assert "oc_console/screens/app.py" in names
    shipped = {p.name for p in (ROOT / "runbooks").glob("*.yaml")}
    assert shipped and {f"oc_console/runbooks/{n}" for n in shipped} <= set(names)
    styles = {p.name for p in (ROOT / "screens").rglob("*.tcss")}
    assert {f"oc_console/screens/{n}" for n in styles} <= set(names)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; its dependencies come from the test's own venv
    through a path entry (not through that venv's editable link to the checkout)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_installed_package_stands_alone(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import importlib.util, oc_console.screens.app as app; "
        "from oc_console.runbook.loader import load_dir; "
        "print(app.__file__); print(len(load_dir())); "
        "print(importlib.util.find_spec('screens'), importlib.util.find_spec('runbooks'))"
    )
    shown = subprocess.run(
        [str(installed / "bin" / "python"), "-c", probe],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    assert shown[0].startswith(str(installed))
    assert int(shown[1]) == len(list((ROOT / "runbooks").glob("*.yaml")))
    assert shown[2] == "None None"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_runs_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    # from a directory outside the checkout: only the installed package can be imported
    program = f"cd {tmp_path} && {installed}/bin/oc-console demo --scenario pool"
    demo = Demo(tmp_path, size=(120, 40), program=program)
    try:
        demo.shows("sit idle in transaction")
        assert demo.quit() == "0"
    finally:
        demo.close()
