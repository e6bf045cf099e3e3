"""Keras callbacks of the fit routine: MLflow metrics, resumable early-stopping/LR state."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np

from crnn_ocr.io.atomic import atomic_file
from crnn_ocr.tracking import mlflow_store

SLOW_BATCH_ENV = "CRNN_OCR_TEST_BATCH_SLEEP_S"
"""Test hook: seconds to sleep after every training batch (so a test can kill mid-epoch)."""


class MlflowMetrics(keras.callbacks.Callback):
    """Log every epoch's logs (loss, val_loss, accuracy, ...) and the LR with ``step=epoch``."""

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = dict(logs or {})
        metrics["learning_rate"] = current_lr(self.model)
        mlflow_store.log_metrics(self.run_id, metrics, step=epoch)


class FitState(keras.callbacks.Callback):
    """Persist what ``BackupAndRestore`` does not: early-stopping and LR-plateau counters,
    the best weights so far, the LR and the whole history, so a resumed run behaves as if it
    had never stopped. Must come after those two callbacks in the list. Without ``plateau``
    (a scheduled LR) the LR is left to the schedule, which follows the restored step count."""

    def __init__(
        self,
        folder: Path,
        early_stopping: keras.callbacks.EarlyStopping,
        plateau: keras.callbacks.ReduceLROnPlateau | None,
        initial_epoch: int = 0,
    ) -> None:
        super().__init__()
        self.initial_epoch = initial_epoch
        self.folder = folder
        self.es = early_stopping
        self.plateau = plateau
        self.history: dict[str, list[float]] = {}
        self.state_file = folder / "fit_state.json"
        self.best_file = folder / "best_weights.npz"

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        state = read_json(self.state_file)
        if not state or not self.initial_epoch:
            return
        # The weights backup is written after this state: keep the epochs it has.
        self.history = {k: list(v)[: self.initial_epoch] for k, v in state["history"].items()}
        es, pl = state["early_stopping"], state["plateau"]
        self.es.wait, self.es.best, self.es.best_epoch = es["wait"], es["best"], es["best_epoch"]
        if self.best_file.is_file():
            with np.load(self.best_file, allow_pickle=False) as stored:
                self.es.best_weights = [stored[f"w{i}"] for i in range(len(stored.files))]
        if self.plateau is not None and pl is not None:
            self.plateau.wait, self.plateau.best = pl["wait"], pl["best"]
            self.plateau.cooldown_counter = pl["cooldown_counter"]
            self.model.optimizer.learning_rate = state["learning_rate"]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {"learning_rate": current_lr(self.model), **(logs or {})}
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        if self.es.best_epoch == epoch and self.es.best_weights is not None:
            tmp = self.best_file.with_name(f".best-{os.getpid()}.npz")
            np.savez(tmp, **{f"w{i}": w for i, w in enumerate(self.es.best_weights)})
            os.replace(tmp, self.best_file)
        state = {
            "epoch": epoch + 1,
            "history": self.history,
            "learning_rate": current_lr(self.model),
            "early_stopping": {
                "wait": self.es.wait, "best": _num(self.es.best), "best_epoch": self.es.best_epoch
            },
            "plateau": None if self.plateau is None else {
                "wait": self.plateau.wait,
                "best": _num(self.plateau.best),
                "cooldown_counter": self.plateau.cooldown_counter,
            },
        }
        write_json(self.state_file, state)


class EmaWeights(keras.callbacks.Callback):
    """Validate, keep and save the moving average of the weights (``ema_momentum``).

    A Keras optimizer built with ``use_ema`` keeps the average in slots of its own. This
    callback, first in the list, swaps it into the model at ``on_test_begin``, so BatchNorm
    statistics, validation, early stopping's best weights, FitState, the backup and the
    extra callbacks all see the averaged model; the callback from :meth:`restorer`, last in
    the list, swaps the training weights back at the epoch's end. The backup is therefore
    written swapped (model = average, optimizer slots = training weights): after a resume the
    restorer swaps once, so training goes on from the training weights as if never stopped.
    """

    def __init__(self, resumed: bool = False) -> None:
        super().__init__()
        self.resumed = resumed
        self.average_in_model = False

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.average_in_model:
            self.swap()

    def swap(self) -> None:
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("EmaWeights needs an optimizer built with use_ema=True")
        # The pairing Keras's own SwapEMAWeights and finalize_variable_values use.
        for var, average in zip(optimizer._trainable_variables,
                                optimizer._model_variables_moving_average, strict=True):
            raw = keras.ops.convert_to_numpy(var)
            var.assign(average)
            average.assign(raw)
        self.average_in_model = not self.average_in_model

    def restorer(self) -> keras.callbacks.Callback:
        return _EmaRestore(self)


class _EmaRestore(keras.callbacks.Callback):
    """The second half of :class:`EmaWeights` (last in the callback list)."""

    def __init__(self, ema: EmaWeights) -> None:
        super().__init__()
        self.ema = ema

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.ema.resumed:  # the backup loaded just now was saved with the average in place
            self.ema.average_in_model = True
            self.ema.swap()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.ema.average_in_model:
            self.ema.swap()


class BatchNormStatistics(keras.callbacks.Callback):
    """Recompute BatchNorm moving statistics at the current weights before each validation.

    Each of ``batches`` batches of ``data`` (``(images, targets)``) runs through the model in
    training mode with momentum ``1 - 1/k`` at the k-th batch, which leaves the exact mean of the
    batch statistics in the moving mean and variance ("precise BN"). Only those statistics
    change (no gradient step); what validation scores, early stopping keeps and checkpoints
    save is then the model with statistics of its own weights.
    """

    def __init__(self, data: Any, batches: int) -> None:
        super().__init__()
        self.data = data
        self.batches = batches

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        recompute_batch_norm(self.model, self.data, self.batches)


def recompute_batch_norm(model: keras.Model, data: Any, batches: int) -> int:
    """Set ``model``'s BatchNorm moving statistics from ``batches`` batches of ``data``;
    return the number of batches used."""
    layers = batch_norm_layers(model)
    if not layers or batches <= 0:
        return 0
    momenta = [layer.momentum for layer in layers]
    used = 0
    try:
        for images, _targets in data.take(batches):
            used += 1
            for layer in layers:
                layer.momentum = 1.0 - 1.0 / used
            model(images, training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return used


def batch_norm_layers(model: keras.layers.Layer) -> list[keras.layers.BatchNormalization]:
    found = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        else:
            found += batch_norm_layers(layer)
    return found


class SlowBatches(keras.callbacks.Callback):
    """Sleep after each training batch (test hook, enabled by ``CRNN_OCR_TEST_BATCH_SLEEP_S``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        time.sleep(self.seconds)


def current_lr(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_file(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)  # type: ignore[arg-type]
