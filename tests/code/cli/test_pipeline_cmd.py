"""``crnn-ocr pipeline`` / ``promote``: user mistakes are one line and a non-zero exit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crnn_ocr.cli.main import main

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture()
def params_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("CRNN_OCR_ROOT", raising=False)
    target = tmp_path / "params.yaml"
    shutil.copy(REPO / "params.yaml", target)
    return target


def test_pipeline_rejects_bad_override_before_starting(params_file: Path, capsys) -> None:
    code = main(["pipeline", "-p", str(params_file), "-S", "train.ocr.epochs=0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "train.ocr.epochs" in err and len(err.strip().splitlines()) == 1
    assert not (params_file.parent / ".prefect").exists()  # failed before Prefect started


def test_promote_unknown_model_is_one_line(params_file: Path, capsys) -> None:
    assert main(["promote", "-p", str(params_file), "--model", "nope"]) == 1
    err = capsys.readouterr().err.strip()
    assert "unknown model" in err and len(err.splitlines()) == 1


def test_promote_unregistered_model_is_one_line(params_file: Path, capsys) -> None:
    assert main(["promote", "-p", str(params_file), "--model", "recognizer"]) == 1
    err = capsys.readouterr().err.strip()
    assert "not found in the registry" in err
    assert (params_file.parent / "mlruns" / "mlflow.db").is_file()  # the tmp store, not ours
