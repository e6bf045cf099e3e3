"""train_classifier for real: tiny validated set -> preprocess -> train -> MLflow + registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import keras
import mlflow
import pandas as pd
import pytest

from crnn_ocr.config.params import Params
from crnn_ocr.errors import DataError
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess, train_classifier

TINY: dict[str, Any] = {
    "preset": "tiny",
    "preprocess": {"height": 16, "width": 64, "shard_size": 4, "workers": 1},
    "train": {"threads": 1, "experiment": "tests", "classifier": {
        "epochs": 2, "batch_size": 4, "conv_filters": [4, 8], "dense_units": 4,
        "misclassified_samples": 4,
    }},
}


@pytest.fixture()
def project(tmp_path: Path, write_validated_fn, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = write_validated_fn(tmp_path / "project")
    # A stand-in "real" folder (images/ + labels.csv) so the real-sample scoring runs too.
    real = tmp_path / "real"
    shutil.copytree(data.images, real / "images")
    rows = ["file name,text,class"] + [f"{n},x,{i % 2}" for i, n in enumerate(data.names)]
    (real / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("CRNN_OCR_REAL", str(real))
    paths = Paths.from_root(data.root)
    preprocess.run(Params.model_validate(TINY), paths)
    return paths


def test_stage_trains_logs_registers_and_writes_reports(project: Paths, name_fonts) -> None:  # type: ignore[no-untyped-def]
    fonts = name_fonts(project)
    result = train_classifier.run(Params.model_validate(TINY), project)

    assert result.model_path == project.models / "classifier" / "model.keras"
    model = keras.saving.load_model(result.model_path, safe_mode=True)
    assert model.input_shape == (None, 16, 64, 1)
    assert not (project.models / "classifier" / "checkpoints").exists()
    metrics = json.loads((result.report_dir / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(result.test_accuracy)
    assert metrics["test_count"] == 2 and metrics["real_count"] == 10
    # per length bucket: the two test lines have 8 and 11 characters; the real ones 1 ("x")
    assert metrics["test_len_6-10_count"] == 1 and metrics["test_len_11-20_count"] == 1
    assert metrics["real_len_1-5_count"] == 10
    assert metrics["real_len_1-5_accuracy"] == pytest.approx(result.real_accuracy)
    assert result.real_accuracy is not None
    for name in ("learning_curves", "confusion_matrix", "misclassified", "real_confusion_matrix"):
        assert (result.report_dir / f"{name}.png").stat().st_size > 1000
    by_font = pd.read_csv(result.report_dir / "accuracy_by_font.csv")
    assert by_font["lines"].sum() == 2 and set(by_font["font"]) <= set(fonts.values())
    assert not [k for k in metrics if "Font" in k]

    client = mlflow.MlflowClient()
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["train.classifier.epochs"] == "2"
    assert run.data.tags["crnn_ocr.preset"] == "tiny"
    assert run.data.tags["crnn_ocr.manifest_hash"] != "absent"
    assert run.data.tags["crnn_ocr.arrays_index_hash"] != "absent"
    assert len(run.data.tags["crnn_ocr.params_hash"]) == 64
    assert run.data.metrics["test_accuracy"] == pytest.approx(result.test_accuracy)
    artifacts = {a.path for a in client.list_artifacts(result.run_id, "reports")}
    assert "reports/metrics.json" in artifacts and "reports/misclassified.png" in artifacts

    version = client.get_model_version_by_alias("crnn-ocr-classifier", "challenger")
    assert str(version.version) == result.model_version and version.run_id == result.run_id
    served = mlflow.keras.load_model("models:/crnn-ocr-classifier@challenger")
    assert served.input_shape == (None, 16, 64, 1)
    info = mlflow.models.get_model_info(f"models:/crnn-ocr-classifier/{result.model_version}")
    assert info.signature is not None and info.saved_input_example_info is not None


def test_cosine_schedule_runs_through_the_stage(project: Paths) -> None:
    """The stage sizes the schedule from the train split: the LR reaches the floor at the end
    of the last epoch, and the saved model (optimizer at its last rate) loads in safe mode."""
    cosine = {"lr_schedule": "cosine", "epochs": 3, "warmup_epochs": 0.5, "learning_rate": 0.01,
              "min_learning_rate": 1e-4, "early_stopping_patience": 3}
    cfg = {**TINY, "train": {**TINY["train"],
                             "classifier": {**TINY["train"]["classifier"], **cosine}}}
    result = train_classifier.run(Params.model_validate(cfg), project, register=False)
    history = mlflow.MlflowClient().get_metric_history(result.run_id, "learning_rate")
    lrs = [m.value for m in sorted(history, key=lambda m: m.step)]
    assert len(lrs) == 3 and lrs[0] > lrs[1] > lrs[2]
    assert lrs[2] == pytest.approx(1e-4)
    model = keras.saving.load_model(result.model_path, safe_mode=True)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-4)


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="index.json"):
        train_classifier.run(Params.model_validate(TINY), Paths.from_root(tmp_path))


def test_init_from_starts_the_classifier_from_a_saved_one(project: Paths, tmp_path: Path) -> None:
    import numpy as np

    from crnn_ocr.models.classifier import build_classifier

    keras.utils.set_random_seed(123)
    source = build_classifier(Params.model_validate(TINY).train.classifier, (16, 64))
    source.save(tmp_path / "start.keras")
    # A learning rate too small to move the weights: what is saved is where the fit started.
    changes = {"init_from": str(tmp_path / "start.keras"), "learning_rate": 1e-12}
    cfg = {**TINY, "train": {**TINY["train"],
                             "classifier": {**TINY["train"]["classifier"], **changes}}}
    result = train_classifier.run(Params.model_validate(cfg), project, register=False)
    saved = keras.saving.load_model(result.model_path, safe_mode=True)
    for mine, theirs in zip(saved.trainable_weights, source.trainable_weights, strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), atol=1e-6)
    assert mlflow.MlflowClient().get_run(result.run_id).data.params[
        "train.classifier.init_from"] == str(tmp_path / "start.keras")
