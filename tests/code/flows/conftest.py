"""Tiny throw-away projects and a temporary Prefect server for the orchestration tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
# Prefect reads these when it is imported: keep its state out of ~/.prefect and be patient on a
# busy 2-core CI machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TINY = {"data.synth.size": 12}


def make_project(root: Path, overrides: dict[str, object] | None = None) -> Path:
    """A copy of the project's code, fonts, params.yaml and dvc.yaml with a tiny dataset."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for code in ("src", "flows", "tasks"):
        shutil.copytree(REPO / code, root / code, ignore=ignore)
    if (REPO / "data" / "fonts").is_dir():
        shutil.copytree(REPO / "data" / "fonts", root / "data" / "fonts")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    for key, value in {**TINY, **(overrides or {})}.items():
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    return root


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server (sqlite in a temp PREFECT_HOME) for the session."""
    if os.environ.get("PREFECT_API_URL"):
        pytest.skip("PREFECT_API_URL is set: not touching a real Prefect server from tests")
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture()
def project_factory(monkeypatch: pytest.MonkeyPatch):
    """``make_project`` for tests that need other sizes or files."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("CRNN_OCR_ROOT", raising=False)
    return make_project


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("CRNN_OCR_ROOT", raising=False)
    return make_project(tmp_path / "proj")
