"""Per-epoch val CER/WER: greedy-decode a fixed val subset after every epoch."""

from __future__ import annotations

import logging
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
    """Adds ``val_cer``/``val_wer``/``val_exact_match`` to each epoch's logs and history.

    The fit routine runs it before early stopping (which may monitor ``val_cer``) and before
    its MLflow callback, which logs these metrics with the rest of the epoch's logs.
    """

    def __init__(
        self,
        images: np.ndarray,
        truths: Sequence[str],
        alphabet: Alphabet,
        batch_size: int = 64,
    ) -> None:
        super().__init__()
        self.images, self.truths, self.alphabet = images, list(truths), alphabet
        self.batch_size = batch_size
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
        log.info("epoch %d: val_cer %.4f, val_wer %.4f", epoch + 1, metrics["val_cer"],
                 metrics["val_wer"])
