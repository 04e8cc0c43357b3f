"""The lint, format and type checks: the tree passes them, and `make test` stops before the tests on a finding."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the tools are installed beside the interpreter (requirements.txt)

HEAD = "def pairs(a: list[int], b: list[str]) -> list[tuple[int, str]]:\n"
CLEAN = HEAD + "    return list(zip(a, b, strict=True))\n"
# one finding each: B905 for ruff check, spacing for ruff format, a str returned as an int for mypy
FINDINGS = {
    "ruff check": HEAD + "    return list(zip(a, b))\n",
    "ruff format": HEAD + "    return list(zip(a,b,strict=True))\n",
    "mypy": 'def pairs(a: list[int], b: list[str]) -> int:\n    return "two"\n',
}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def project(tmp_path) -> Path:
    """A project with this one's Makefile and configuration, one small module and one test that leaves a mark."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "src" / "analysis").mkdir(parents=True)
    (tmp_path / "src" / "analysis" / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mark.py").write_text(
        'from pathlib import Path\n\n\ndef test_mark():\n    Path(__file__).with_name("ran").touch()\n'
    )
    return tmp_path


def _make(project: Path, target: str) -> subprocess.CompletedProcess:
    # -o setup: the environment is this one (BIN); nothing is installed
    return _run("make", "-o", "setup", f"BIN={BIN}", target, cwd=project)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_runs_the_tests_when_every_check_passes(project):
    (project / "src" / "analysis" / "pairs.py").write_text(CLEAN)
    done = _make(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "tests" / "ran").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("check", list(FINDINGS))
def test_make_test_stops_before_the_tests_on_any_finding(project, check):
    (project / "src" / "analysis" / "pairs.py").write_text(FINDINGS[check])
    done = _make(project, "test")
    assert done.returncode != 0
    assert not (project / "tests" / "ran").exists()
    said = done.stdout + done.stderr
    assert "pairs.py" in said
    if check == "ruff check":
        assert "B905" in said


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_fix_repairs_what_the_tools_can(project):
    source = project / "src" / "analysis" / "pairs.py"
    source.write_text("import os\n" + FINDINGS["ruff format"])
    assert _make(project, "fix").returncode == 0
    assert source.read_text() == CLEAN  # the unused import removed, the call spaced


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=["ruff check", "ruff format", "mypy"],
)
def test_the_tree_passes_every_check(command):
    done = _run(str(BIN / command[0]), *command[1:], cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
