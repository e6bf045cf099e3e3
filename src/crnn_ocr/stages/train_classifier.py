"""Stage ``train_classifier``: array store -> handwritten/printed classifier, tracked in MLflow.

Outputs: ``models/classifier/model.keras`` (+ ``model.json``), ``reports/classifier/``
(metrics.json for ``dvc metrics``, learning curves, confusion matrix, misclassified samples,
accuracy per font of synthetic lines), an MLflow run with the same files, and a registered model
version with alias ``challenger``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crnn_ocr.config import Params
from crnn_ocr.config.train import ClassifierParams
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_dir
from crnn_ocr.paths import MODEL_FILE, Paths
from crnn_ocr.tracking import mlflow_store
from crnn_ocr.tracking.tags import TAG_PREFIX, flatten, run_tags

if TYPE_CHECKING:
    import keras

    from crnn_ocr.training.classifier_eval import ClassifierScore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """Small values and paths: safe to pass between Prefect tasks."""

    run_id: str
    model_version: str | None
    test_accuracy: float
    real_accuracy: float | None
    model_path: Path
    report_dir: Path
    initial_epoch: int
    epochs_done: int


def model_dir(paths: Paths) -> Path:
    return paths.models / "classifier"


def report_dir(paths: Paths) -> Path:
    return paths.reports / "classifier"


def run(
    params: Params, paths: Paths, register: bool = True, score_real: bool = True
) -> TrainResult:
    """Train, score on the test split (and the real sample when present), log, register."""
    from crnn_ocr.data.manifest import read_fonts
    from crnn_ocr.models.classifier import build_classifier, compile_classifier
    from crnn_ocr.training.classifier_eval import score_store
    from crnn_ocr.training.fit import (
        configure_tensorflow,
        fit_model,
        make_optimizer,
        training_run,
    )
    from crnn_ocr.training.init_weights import load_initial_weights

    cfg = params.train.classifier
    configure_tensorflow(params.train.threads, params.seed)
    store, datasets = _datasets(params, paths)
    shape = tuple(store.image_shape)
    model = build_classifier(cfg, shape)  # type: ignore[arg-type]
    load_initial_weights(model, cfg.init_from, paths.root, "train.classifier.init_from")
    compile_classifier(model, make_optimizer(cfg))
    logged = {
        **flatten(cfg.model_dump(mode="json"), "train.classifier"),
        **flatten(params.preprocess.model_dump(mode="json"), "preprocess"),
        "seed": params.seed, "preset": params.preset, "input_shape": list(shape),
        "train_size": store.size("train"), "val_size": store.size("val"),
    }
    tags = {**run_tags(params, paths), f"{TAG_PREFIX}model": "classifier"}
    ckpt = model_dir(paths) / "checkpoints"
    run_name = f"classifier-{params.preset or 'custom'}"
    with training_run(paths, params.train.experiment, ckpt, run_name, logged, tags) as session:
        fitted = fit_model(session, model, datasets["train"], datasets["val"], cfg,
                           statistics_data=datasets["statistics"])
        test = score_store(model, store, "test", cfg.batch_size, cfg.misclassified_samples,
                           params.evaluate.length_buckets, read_fonts(paths.raw))
        real = _score_real(model, params, paths, shape) if score_real else None
        metrics = {**test.metrics("test_"), **(real.metrics("real_") if real else {})}
        metrics["epochs"] = float(fitted.epochs_done)
        mlflow_store.log_metrics(session.run_id, metrics, step=fitted.epochs_done)
        reports = _write_reports(paths, fitted.history, test, real, metrics)
        model_path = _save_model(model, paths)
        version = _log_model(model, session.run_id, reports, cfg, register)
    return TrainResult(
        run_id=session.run_id,
        model_version=version,
        test_accuracy=test.accuracy,
        real_accuracy=real.accuracy if real else None,
        model_path=model_path,
        report_dir=reports,
        initial_epoch=fitted.initial_epoch,
        epochs_done=fitted.epochs_done,
    )


def _datasets(params: Params, paths: Paths):  # type: ignore[no-untyped-def]
    """The array store's classify datasets (train repeats when steps_per_epoch is capped)."""
    from crnn_ocr.arrays import ArrayStore, make_dataset

    cfg = params.train.classifier
    store = ArrayStore(paths.arrays)
    for split in ("train", "val", "test"):
        if store.size(split) == 0:
            raise DataError(f"{paths.arrays}: split {split!r} is empty; cannot train on it")
    seed = params.seed if cfg.shuffle_seed is None else cfg.shuffle_seed
    datasets = {
        split: make_dataset(
            store, split, "classify", cfg.batch_size, shuffle=split == "train", seed=seed,
            repeat=split == "train" and cfg.steps_per_epoch is not None,
            augment=cfg.augment if split == "train" else None,
        )
        for split in ("train", "val")
    }
    # BatchNorm statistics come from unaugmented training lines in store order (shards are
    # random samples of the split): the same batches every epoch and after a resume.
    datasets["statistics"] = make_dataset(store, "train", "classify", cfg.batch_size,
                                          shuffle=False, seed=seed)
    return store, datasets


def _score_real(
    model: keras.Model, params: Params, paths: Paths, shape: tuple[int, ...]
) -> ClassifierScore | None:
    from crnn_ocr.training.classifier_eval import score_folder

    folder = paths.shared_real
    if not (folder / "labels.csv").is_file():
        log.info("no real-image sample at %s: skipping real accuracy", folder)
        return None
    cfg = params.train.classifier
    settings = PreprocessSettings.from_params(params.preprocess).with_size((shape[0], shape[1]))
    score = score_folder(model, folder, settings, cfg.misclassified_samples,
                         cfg.batch_size, params.evaluate.length_buckets)  # type: ignore[arg-type]
    for problem in score.skipped:
        log.warning("real sample: skipped %s", problem)
    return score


def _write_reports(
    paths: Paths,
    history: dict[str, list[float]],
    test: ClassifierScore,
    real: ClassifierScore | None,
    metrics: dict[str, float],
) -> Path:
    from crnn_ocr.models.classifier import CLASS_NAMES
    from crnn_ocr.training import plots
    from crnn_ocr.training.classifier_eval import misclassified_captions

    target = report_dir(paths)
    with atomic_dir(target) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
        (tmp / "history.json").write_text(json.dumps(history, indent=1))
        plots.learning_curves(history, tmp / "learning_curves.png", "classifier")
        plots.confusion_matrix_png(test.confusion, CLASS_NAMES, tmp / "confusion_matrix.png",
                                   f"test split: accuracy {test.accuracy:.4f}")
        plots.sample_sheet([m.image for m in test.misclassified], misclassified_captions(test),
                           tmp / "misclassified.png", "misclassified (test split)")
        fonts = test.font_table()
        if fonts is not None:
            fonts.to_csv(tmp / "accuracy_by_font.csv", index=False)
        if real is not None:
            plots.confusion_matrix_png(real.confusion, CLASS_NAMES,
                                       tmp / "real_confusion_matrix.png",
                                       f"real sample: accuracy {real.accuracy:.4f}")
            plots.sample_sheet([m.image for m in real.misclassified],
                               misclassified_captions(real), tmp / "real_misclassified.png",
                               "misclassified (real sample)")
    return target


def _save_model(model: keras.Model, paths: Paths) -> Path:
    """Save as ``.keras`` to a temporary sibling, then rename (a kill leaves no half file)."""
    target = model_dir(paths) / MODEL_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    model.save(tmp)
    os.replace(tmp, target)
    return target


def _log_model(
    model: keras.Model, run_id: str, reports: Path, cfg: ClassifierParams, register: bool
) -> str | None:
    """Log reports + the Keras model (signature, input example); register as challenger."""
    import mlflow
    import numpy as np
    from mlflow.models import infer_signature

    mlflow_store.with_retry(lambda: mlflow.MlflowClient().log_artifacts(run_id, str(reports),
                                                                         "reports"))
    example = np.zeros((1, *model.input_shape[1:]), dtype=np.float32)
    signature = infer_signature(example, np.asarray(model.predict_on_batch(example)))
    info = mlflow.models.Model.log(
        artifact_path=None, name="model", flavor=_KerasFlavor, model=model, signature=signature,
        input_example=example, registered_model_name=cfg.registered_model if register else None,
        await_registration_for=60,
    )
    version = info.registered_model_version
    if version is not None:
        mlflow_store.set_alias(cfg.registered_model, version, "challenger")
        return str(version)
    return None


class _KerasFlavor:
    """``mlflow.keras`` whose ``save_model`` first creates the folder: with an input example,
    ``mlflow.keras.log_model`` writes input_example.json before creating it (mlflow#16183,
    open in MLflow 3.17). Used through ``Model.log`` exactly as ``mlflow.keras.log_model`` does.
    """

    __name__ = "mlflow.keras"

    @staticmethod
    def save_model(path: str, **kwargs: object) -> None:
        import mlflow

        os.makedirs(path, exist_ok=True)
        mlflow.keras.save_model(path=path, **kwargs)  # type: ignore[arg-type]
