"""Per-epoch val CER/WER: greedy-decode a fixed val subset after every epoch, log to MLflow."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.metrics import score
from crnn_ocr.models.ctc import decode

log = logging.getLogger(__name__)


def predict_texts(
    model: keras.Model, images: np.ndarray, alphabet: Alphabet, batch_size: int = 64,
    strategy: str = "greedy", beam_width: int = 10,
) -> list[Any]:
    """Readings (text, confidence) of ``images`` [N, W, H, 1], batch by batch."""
    out: list[Any] = []
    for start in range(0, len(images), batch_size):
        probs = np.asarray(model(images[start : start + batch_size], training=False))
        out.extend(decode(probs, alphabet, strategy, beam_width))
    return out


def val_text_metrics(truths: Sequence[str], readings: Sequence[Any]) -> dict[str, float]:
    """``val_cer``, ``val_wer`` and ``val_exact_match`` of ``readings`` against ``truths``."""
    s = score(truths, [r.text for r in readings])
    return {"val_cer": s.cer, "val_wer": s.wer, "val_exact_match": s.exact_match}


class ValTextMetrics(keras.callbacks.Callback):
    """Adds ``val_cer``/``val_wer``/``val_exact_match`` to the history and to the MLflow run.

    The fit routine's MLflow callback runs before the extra callbacks, so this one logs its
    metrics itself (same run, ``step=epoch``).
    """

    def __init__(
        self,
        images: np.ndarray,
        truths: Sequence[str],
        alphabet: Alphabet,
        run_id: str | None = None,
        batch_size: int = 64,
    ) -> None:
        super().__init__()
        self.images, self.truths, self.alphabet = images, list(truths), alphabet
        self.run_id, self.batch_size = run_id, batch_size
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not len(self.images):
            return
        readings = predict_texts(self.model, self.images, self.alphabet, self.batch_size)
        metrics = val_text_metrics(self.truths, readings)
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))
        if logs is not None:
            logs.update(metrics)
        if self.run_id:
            from crnn_ocr.tracking import mlflow_store

            mlflow_store.log_metrics(self.run_id, metrics, step=epoch)
        log.info("epoch %d: val_cer %.4f, val_wer %.4f", epoch + 1, metrics["val_cer"],
                 metrics["val_wer"])


class TimeBudget(keras.callbacks.Callback):
    """Stop training after the first epoch that ends past ``minutes`` of wall time.

    Given the planned ``epochs``, it also warns once, after the second epoch of this fit (the
    first pays for graph tracing), when that pace would not fit them all in the budget: a cosine
    schedule cut short never reaches its low rates, so ``epochs`` should match the budget.
    """

    def __init__(self, minutes: float, epochs: int | None = None) -> None:
        super().__init__()
        self.seconds = minutes * 60.0
        self.epochs = epochs
        self.started = time.monotonic()
        self.epoch_started = self.started
        self.epochs_run = 0
        self.stopped_at: int | None = None
        self.projected_last_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.started = self.epoch_started = time.monotonic()
        self.epochs_run = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        now = time.monotonic()
        self.epochs_run += 1
        if self.epochs_run == 2 and self.epochs is not None:
            self._warn_if_short(self.epochs, epoch, now - self.started, now - self.epoch_started)
        if now - self.started >= self.seconds:
            self.model.stop_training = True
            self.stopped_at = epoch + 1
            log.info("time budget of %.1f min used up after epoch %d", self.seconds / 60,
                     epoch + 1)

    def _warn_if_short(self, planned: int, epoch: int, elapsed: float, pace: float) -> None:
        needed = elapsed + (planned - (epoch + 1)) * pace
        if pace <= 0 or needed <= self.seconds:
            return
        self.projected_last_epoch = epoch + 1 + int(np.ceil((self.seconds - elapsed) / pace))
        log.warning(
            "at %.0f s per epoch, the %d planned epochs need about %.0f min, past the %.0f-min "
            "time budget: training will stop after about epoch %d (a cosine schedule would not "
            "finish decaying); set epochs to about that", pace, planned, needed / 60,
            self.seconds / 60, self.projected_last_epoch)
