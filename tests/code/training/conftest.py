"""Tiny in-memory data and a real MLflow sqlite store in a temp project for training tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crnn_ocr.paths import Paths

sys.path.insert(0, str(Path(__file__).parent))
from toy_data import separable_arrays  # noqa: E402


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A temp project root; MLflow goes to its mlruns/ (no MLFLOW_TRACKING_URI leaks in)."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "params.yaml").write_text("preset: null\n")
    return Paths.from_root(tmp_path)


@pytest.fixture()
def tiny_datasets():
    import tensorflow as tf

    from crnn_ocr.training.fit import configure_tensorflow

    configure_tensorflow(1, 0)
    x, y = separable_arrays()
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    xv, yv = separable_arrays(32, seed=1)
    val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(16)
    return train, val
