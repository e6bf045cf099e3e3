"""The code passes its own linters: ruff (pyproject's rule set) and mypy with the pydantic plugin.

Run as tests so that CI (the README's test command) keeps them true, not a separate habit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Separate runs: checked in one, the adapters' `from crnn_ocr.stages import data` resolve to
# src/ without the submodules mypy found through the installed package.
TYPED = [["src"], ["flows", "tasks", "benchmarks"], ["tests"]]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(600)
@pytest.mark.parametrize("paths", TYPED, ids=["src", "adapters", "tests"])
def test_mypy_finds_no_type_errors(paths: list[str]) -> None:
    result = _run("mypy", *paths)
    assert result.returncode == 0, result.stdout + result.stderr
