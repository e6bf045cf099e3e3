"""Stage ``train_ocr``: array store -> CRNN recogniser (CTC), tracked in MLflow.

Outputs: ``models/ocr/`` (``model.keras``, ``alphabet.json``, ``model.json``),
``reports/train_ocr/`` (learning curves with per-epoch val CER/WER, sample predictions sheet,
history, metrics.json), an MLflow run with the same files and a registered model version
(alias ``challenger``).
Checkpoints live in ``models/checkpoints/ocr`` (outside the DVC output, so a killed run resumes).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crnn_ocr.config import Params
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.io.atomic import atomic_dir
from crnn_ocr.paths import ALPHABET_FILE, MODEL_FILE, Paths
from crnn_ocr.tracking import mlflow_store
from crnn_ocr.tracking.tags import TAG_PREFIX, flatten, run_tags

if TYPE_CHECKING:
    import keras

INFO_FILE = "model.json"


@dataclass(frozen=True)
class TrainOcrResult:
    """Small values and paths: safe to pass between Prefect tasks."""

    run_id: str
    model_version: str | None
    val_cer: float | None
    val_wer: float | None
    model_dir: Path
    report_dir: Path
    time_steps: int
    initial_epoch: int
    epochs_done: int


def model_dir(paths: Paths) -> Path:
    return paths.models / "ocr"


def report_dir(paths: Paths) -> Path:
    return paths.reports / "train_ocr"


def checkpoint_dir(paths: Paths) -> Path:
    return paths.models / "checkpoints" / "ocr"


def run(params: Params, paths: Paths, register: bool = True) -> TrainOcrResult:
    """Check labels fit the model, fit with the shared routine, save, log, register."""
    from crnn_ocr.evaluation.val_callback import ValTextMetrics, predict_texts
    from crnn_ocr.inference.widths import check_step, time_stride
    from crnn_ocr.models.crnn import build_crnn, time_steps, with_width
    from crnn_ocr.models.ctc import CtcLoss
    from crnn_ocr.stages import ocr_data
    from crnn_ocr.training.fit import (
        configure_tensorflow,
        fit_model,
        make_optimizer,
        training_run,
    )
    from crnn_ocr.training.init_weights import load_initial_weights

    cfg = params.train.ocr
    configure_tensorflow(params.train.threads, params.seed)
    store = ocr_data.open_store(paths, ("train", "val"))
    alphabet: Alphabet = store.alphabet
    height, width = store.image_shape
    model = build_crnn(cfg.model, (width, height, 1), alphabet.num_classes)
    steps = time_steps(model)
    ocr_data.check_labels_fit(store, ("train", "val"), steps)  # cheap: before loading a model
    load_initial_weights(model, cfg.init_from, paths.root, "train.ocr.init_from", alphabet)
    check_step(model, cfg.width_step, "train.ocr.width_step")
    seed = params.seed if cfg.shuffle_seed is None else cfg.shuffle_seed
    train = ocr_data.dataset(store, "train", cfg.batch_size, shuffle=True, seed=seed,
                             repeat=cfg.steps_per_epoch is not None, augment=cfg.augment,
                             width_step=cfg.width_step, columns_per_frame=time_stride(model))
    # Width-bucketed batches need a copy of the model that takes any width (same layers and
    # weights); the saved, logged and registered model stays the full-canvas one.
    fitted_model = model if cfg.width_step is None else with_width(model, None)
    optimizer = make_optimizer(cfg)
    fitted_model.compile(optimizer=optimizer, loss=CtcLoss(alphabet.blank))
    val = ocr_data.dataset(store, "val", cfg.batch_size)
    val_images, val_texts = ocr_data.take_lines(store, "val", cfg.val_decode_lines)
    text_metrics = ValTextMetrics(val_images, val_texts, alphabet)
    logged = {
        **flatten(cfg.model_dump(mode="json"), "train.ocr"),
        **flatten(params.preprocess.model_dump(mode="json"), "preprocess"),
        "seed": params.seed, "preset": params.preset, "input_shape": [width, height, 1],
        "time_steps": steps, "alphabet_size": len(alphabet), "num_classes": alphabet.num_classes,
        "train_size": store.size("train"), "val_size": store.size("val"),
    }
    tags = {**run_tags(params, paths), f"{TAG_PREFIX}model": "recognizer"}
    run_name = f"ocr-{params.preset or 'custom'}"
    ckpt = checkpoint_dir(paths)
    with training_run(paths, params.train.experiment, ckpt, run_name, logged, tags) as session:
        statistics = ocr_data.dataset(store, "train", cfg.batch_size)  # fixed order, unaugmented
        fitted = fit_model(session, fitted_model, train, val, cfg, extra_callbacks=[text_metrics],
                           statistics_data=statistics)
        if fitted_model is not model:
            model.set_weights(fitted_model.get_weights())
        # The fit's history has val_cer too (the callback writes it into each epoch's logs),
        # from every epoch of a resumed run as well.
        history = fitted.history
        # The model now holds the best epoch's weights (by cfg.monitor), not the last epoch's:
        # score what is saved rather than copying the last epoch's val metrics.
        readings = predict_texts(model, val_images, alphabet)
        final = final_metrics(val_texts, readings, fitted.epochs_done, fitted.best_epoch)
        readings = readings[: cfg.sample_sheet_lines]
        mlflow_store.log_metrics(session.run_id, final, step=fitted.epochs_done)
        reports = _write_reports(paths, history, final, val_images, val_texts, readings)
        saved = _save_model(model, alphabet, paths, session.run_id, steps)
        version = _log_model(model, alphabet, session.run_id, reports, saved, cfg.registered_model,
                             register)
    return TrainOcrResult(
        run_id=session.run_id,
        model_version=version,
        val_cer=final.get("val_cer"),
        val_wer=final.get("val_wer"),
        model_dir=saved,
        report_dir=reports,
        time_steps=steps,
        initial_epoch=fitted.initial_epoch,
        epochs_done=fitted.epochs_done,
    )


def final_metrics(truths: list[str], readings: list[Any], epochs_done: int,
                  best_epoch: int | None) -> dict[str, float]:
    """Val CER/WER/exact match of the fitted model's ``readings``, with the epoch counts."""
    from crnn_ocr.evaluation.val_callback import val_text_metrics

    final = {"epochs": float(epochs_done)}
    if best_epoch is not None:
        final["best_epoch"] = float(best_epoch + 1)
    if truths:
        final.update(val_text_metrics(truths, readings))
    return final


def _write_reports(
    paths: Paths,
    history: dict[str, list[float]],
    final: dict[str, float],
    images: np.ndarray,
    truths: list[str],
    readings: list[Any],
) -> Path:
    from crnn_ocr.evaluation.plots import save_gallery
    from crnn_ocr.training.plots import learning_curves

    target = report_dir(paths)
    n = len(readings)
    with atomic_dir(target) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(final, indent=2, sort_keys=True) + "\n")
        (tmp / "history.json").write_text(json.dumps(history, indent=1) + "\n")
        epochs = max((len(v) for v in history.values()), default=0)
        table = {k: v for k, v in history.items() if len(v) == epochs}
        pd.DataFrame({"epoch": range(1, epochs + 1), **table}).to_csv(tmp / "history.csv",
                                                                       index=False)
        learning_curves(history, tmp / "learning_curves.png", "CRNN recogniser")
        save_gallery(list(images[:n]), truths[:n], [r.text for r in readings],
                     tmp / "sample_predictions.png", "sample predictions (val split)",
                     notes=[f"conf {r.confidence:.2f}" for r in readings])
    return target


def _save_model(
    model: keras.Model, alphabet: Alphabet, paths: Paths, run_id: str, steps: int
) -> Path:
    """``model.keras`` + ``alphabet.json`` + ``model.json``, written as one atomic folder."""
    target = model_dir(paths)
    with atomic_dir(target) as tmp:
        model.save(tmp / MODEL_FILE)
        alphabet.save(tmp / ALPHABET_FILE)
        info = {"run_id": run_id, "time_steps": steps,
                "input_shape": list(model.input_shape[1:]), "num_classes": alphabet.num_classes}
        (tmp / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return target


def _log_model(
    model: keras.Model,
    alphabet: Alphabet,
    run_id: str,
    reports: Path,
    saved: Path,
    registered_model: str,
    register: bool,
) -> str | None:
    """Log reports + alphabet.json + the Keras model; register as ``challenger``."""
    import mlflow
    from mlflow.models import infer_signature

    client = mlflow.MlflowClient()
    mlflow_store.with_retry(lambda: client.log_artifacts(run_id, str(reports), "reports"))
    mlflow_store.with_retry(lambda: client.log_artifact(run_id, str(saved / ALPHABET_FILE)))
    example = np.zeros((1, *model.input_shape[1:]), dtype=np.float32)
    signature = infer_signature(example, np.asarray(model.predict_on_batch(example)))
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    info = mlflow.keras.log_model(
        # No input_example: mlflow 3.x keras save_model writes it before creating the folder.
        model, name="model", signature=signature,
        metadata={"alphabet": "".join(alphabet.chars), "blank": alphabet.blank},
        registered_model_name=registered_model if register else None,
        await_registration_for=60,
    )
    version = info.registered_model_version
    if version is not None:
        mlflow_store.set_alias(registered_model, version, "challenger")
        return str(version)
    return None
