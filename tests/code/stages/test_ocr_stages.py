"""train_ocr -> evaluate for real: tiny store, one epoch, real MLflow sqlite store in tmp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import pytest

from crnn_ocr.config.params import Params
from crnn_ocr.errors import DataError
from crnn_ocr.paths import MODEL_FILE, Paths
from crnn_ocr.stages import evaluate, preprocess, train_ocr

TINY: dict[str, Any] = {
    "preprocess": {"height": 16, "width": 64, "shard_size": 4, "workers": 1},
    "train": {"threads": 1, "ocr": {
        "epochs": 1, "batch_size": 4, "val_decode_lines": 2, "sample_sheet_lines": 2,
        "model": {"conv_blocks": [{"filters": 4, "pool": [2, 2]},
                                  {"filters": 8, "batch_norm": True, "pool": [1, 8]}],
                  "lstm_units": 8, "lstm_layers": 1},
    }},
    "evaluate": {"batch_size": 4, "gallery_lines": 3, "extra_dataset": None,
                 "normalisation": {"htr_ru": {"ё": "я"}}},
}


def tiny_params(**changes: object) -> Params:
    data = json.loads(json.dumps(TINY))
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return Params.model_validate(data)


@pytest.fixture()
def project(tmp_path: Path, write_validated_fn, monkeypatch: pytest.MonkeyPatch) -> Paths:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "project"
    write_validated_fn(root)
    (root / "params.yaml").write_text("preset: null\n")
    paths = Paths.from_root(root)
    preprocess.run(tiny_params(), paths)
    return paths


def real_like_folder(root: Path) -> Path:
    """Two lines named like the real sample's sources, plus a label_issues.csv."""
    (root / "images").mkdir(parents=True)
    for name in ("htr_ru_000001.png", "ocropus_0001.png"):
        image = np.full((20, 90), 255, np.uint8)
        cv2.line(image, (5, 10), (80, 12), 0, 2)
        cv2.imwrite(str(root / "images" / name), image)
    (root / "labels.csv").write_text(
        "file name,text,class\nhtr_ru_000001.png,длё,1\nocropus_0001.png,мпр,0\n", "utf-8")
    (root / "label_issues.csv").write_text(
        "file name,text_in_labels_csv,suggested_text,note\nocropus_0001.png,мпр,мир,typo\n",
        "utf-8")
    return root


@pytest.mark.slow
def test_train_then_evaluate_logs_registers_and_reports(project: Paths, tmp_path: Path,
                                                        name_fonts) -> None:  # type: ignore[no-untyped-def]
    import mlflow

    result = train_ocr.run(tiny_params(), project)
    assert result.epochs_done == 1 and result.time_steps == 32
    assert result.val_cer is not None and np.isfinite(result.val_cer)
    folder = result.model_dir
    assert {p.name for p in folder.iterdir()} >= {"model.keras", "alphabet.json", "model.json"}
    assert (result.report_dir / "learning_curves.png").stat().st_size > 0
    assert (result.report_dir / "sample_predictions.png").stat().st_size > 0
    assert_val_metrics_score_the_saved_model(project, result)

    extra = real_like_folder(tmp_path / "real")
    fonts = name_fonts(project)
    ev = evaluate.run(tiny_params(), project, extra=extra)
    metrics = json.loads((ev.report_dir / "metrics.json").read_text())
    for key in ("test_cer", "test_wer", "test_exact_match", "test_class_0_cer",
                "test_class_1_cer", "real_cer", "real_cer_normalised", "real_cer_corrected"):
        assert key in metrics and np.isfinite(metrics[key]), key
    assert any(k.startswith("test_len_") for k in metrics)
    assert ev.test_cer == metrics["test_cer"] and ev.run_id == result.run_id
    for name in ("test_worst_lines.png", "real_worst_lines.png", "test_predictions.csv",
                 "report.json", "test_cer_by_length.csv"):
        assert (ev.report_dir / name).is_file(), name
    by_font = pd.read_csv(ev.report_dir / "test_scores_by_font.csv")  # synthetic test lines
    assert by_font["lines"].sum() == 2 and set(by_font["font"]) <= set(fonts.values())
    assert not (ev.report_dir / "real_scores_by_font.csv").exists()  # real lines: no fonts
    labels = extra / "labels.csv"  # a synthetic extra folder: fonts from its own labels.csv
    labels.write_text(labels.read_text("utf-8").replace("class\n", "class,font\n")
                      .replace(",1\n", ",1,FontA\n").replace(",0\n", ",0,FontB\n"), "utf-8")
    again = evaluate.run(tiny_params(), project, extra=extra, log_to_mlflow=False)
    real_fonts = pd.read_csv(again.report_dir / "real_scores_by_font.csv")
    assert sorted(real_fonts["font"]) == ["FontA", "FontB"] and real_fonts["lines"].sum() == 2

    client = mlflow.MlflowClient()
    run = client.get_run(result.run_id)
    assert run.data.metrics["test_cer"] == pytest.approx(ev.test_cer)
    assert "val_cer" in run.data.metrics
    assert run.data.tags[evaluate.TEST_SET_TAG] == ev.test_set_hash
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"alphabet.json", "reports", "evaluate"} <= artifacts
    version = client.get_model_version_by_alias("crnn-ocr-recognizer", "challenger")
    assert str(version.version) == result.model_version


def assert_val_metrics_score_the_saved_model(
    paths: Paths, result: train_ocr.TrainOcrResult
) -> None:
    """The reported val CER is that of the saved (best-epoch) weights, not of the last epoch."""
    import keras

    from crnn_ocr.arrays import ArrayStore
    from crnn_ocr.core.metrics import score
    from crnn_ocr.evaluation.val_callback import predict_texts
    from crnn_ocr.stages.ocr_data import take_lines

    store = ArrayStore(paths.arrays)
    images, texts = take_lines(store, "val", TINY["train"]["ocr"]["val_decode_lines"])
    model = keras.models.load_model(result.model_dir / MODEL_FILE, safe_mode=True)
    readings = predict_texts(model, images, store.alphabet)
    assert result.val_cer == pytest.approx(score(texts, [r.text for r in readings]).cer)
    metrics = json.loads((result.report_dir / "metrics.json").read_text())
    assert metrics["val_cer"] == pytest.approx(result.val_cer)


def test_final_metrics_score_the_given_readings_and_name_the_best_epoch() -> None:
    from crnn_ocr.models.ctc import Reading

    readings = [Reading("мир", 0.9), Reading("дом", 0.8)]
    final = train_ocr.final_metrics(["мир", "дым"], readings, epochs_done=10, best_epoch=7)
    assert final == pytest.approx({"epochs": 10.0, "best_epoch": 8.0, "val_cer": 1 / 6,
                                   "val_wer": 0.5, "val_exact_match": 0.5})
    assert train_ocr.final_metrics([], [], 3, None) == {"epochs": 3.0}


def test_labels_too_long_for_the_model_are_named_before_training(project: Paths) -> None:
    params = tiny_params(train__ocr__model__conv_blocks=[{"filters": 4, "pool": [8, 16]}])
    with pytest.raises(DataError, match=r"line_\d+\.\w+: '.*' needs \d+"):
        train_ocr.run(params, project, register=False)


@pytest.mark.slow
def test_width_bucketed_training_saves_the_trained_full_canvas_model(project: Paths) -> None:
    import keras

    from crnn_ocr.arrays import ArrayStore
    from crnn_ocr.models.crnn import build_crnn
    from crnn_ocr.training.fit import configure_tensorflow

    params = tiny_params(train__ocr__width_step=16, train__ocr__epochs=2)
    result = train_ocr.run(params, project, register=False)
    assert result.epochs_done == 2 and result.time_steps == 32
    info = json.loads((result.model_dir / train_ocr.INFO_FILE).read_text())
    assert info["input_shape"] == [64, 16, 1]  # the whole canvas, as inference expects
    assert_val_metrics_score_the_saved_model(project, result)
    # The trained weights, not the initial ones, reached the saved full-canvas model.
    configure_tensorflow(params.train.threads, params.seed)
    initial = build_crnn(params.train.ocr.model, (64, 16, 1),
                         ArrayStore(project.arrays).alphabet.num_classes)
    saved = keras.models.load_model(result.model_dir / MODEL_FILE, safe_mode=True)
    assert [w.shape for w in saved.get_weights()] == [w.shape for w in initial.get_weights()]
    assert any(not np.array_equal(a, b)
               for a, b in zip(saved.get_weights(), initial.get_weights(), strict=True))


def test_a_width_step_the_model_cannot_read_at_is_refused_by_name(project: Paths) -> None:
    from crnn_ocr.errors import CrnnOcrError

    with pytest.raises(CrnnOcrError, match=r"train\.ocr\.width_step=3 must be a positive "
                                           r"multiple of 2"):
        train_ocr.run(tiny_params(train__ocr__width_step=3), project, register=False)


def test_init_from_starts_the_fit_from_a_saved_recogniser(project: Paths, tmp_path: Path) -> None:
    import keras

    from crnn_ocr.arrays import ArrayStore
    from crnn_ocr.errors import CrnnOcrError
    from crnn_ocr.models.crnn import build_crnn

    alphabet = ArrayStore(project.arrays).alphabet
    keras.utils.set_random_seed(123)
    source = build_crnn(tiny_params().train.ocr.model, (64, 16, 1), alphabet.num_classes)
    (tmp_path / "start").mkdir()
    source.save(tmp_path / "start" / "model.keras")
    alphabet.save(tmp_path / "start" / "alphabet.json")
    # A learning rate too small to move the weights: what is saved is where the fit started.
    params = tiny_params(train__ocr__init_from=str(tmp_path / "start"),
                         train__ocr__learning_rate=1e-12)
    result = train_ocr.run(params, project, register=False)
    saved = keras.models.load_model(result.model_dir / MODEL_FILE, safe_mode=True)
    for mine, theirs in zip(saved.trainable_weights, source.trainable_weights, strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), atol=1e-6)
    with pytest.raises(CrnnOcrError, match=r"train\.ocr\.init_from='nope': no model file"):
        train_ocr.run(tiny_params(train__ocr__init_from="nope"), project, register=False)
