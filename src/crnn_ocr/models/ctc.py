"""CTC loss and decoding from Keras ops, with the blank at index ``len(alphabet)``.

``keras.losses.CTC`` hard-codes the blank at index 0, so the loss here calls
``keras.ops.ctc_loss(..., mask_index=blank)`` itself. The model outputs softmax probabilities
(as the reference does); their log is a valid input wherever Keras expects logits, since
``log_softmax(log p) == log p``. Labels are padded with the blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from crnn_ocr.core.codec import Alphabet, normalize_text
from crnn_ocr.errors import DataError

_EPS = 1e-7


def ctc_frames_needed(text: str) -> int:
    """Frames CTC needs for ``text``: one per character plus a blank between repeated ones."""
    text = normalize_text(text)
    return len(text) + sum(1 for a, b in zip(text, text[1:], strict=False) if a == b)


def check_label_lengths(names: Sequence[str], texts: Sequence[str], time_steps: int) -> None:
    """Refuse lines whose label cannot fit the model's output (they would give an inf/NaN loss).

    Raises:
        DataError: naming up to ten offending files with their text and the frames needed.
    """
    bad = [
        (name, text, need)
        for name, text in zip(names, texts, strict=True)
        if (need := ctc_frames_needed(text)) > time_steps
    ]
    if bad:
        listed = "; ".join(f"{n}: {t!r} needs {k}" for n, t, k in bad[:10])
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        raise DataError(
            f"{len(bad)} label(s) longer than the model's {time_steps} output frames: {listed}"
            f"{more}. Shorten them or pool less along the time axis (train.ocr.model)."
        )


@keras.saving.register_keras_serializable(package="crnn_ocr")
class CtcLoss(keras.losses.Loss):
    """CTC loss over softmax outputs; ``y_true`` is int labels padded with ``blank``."""

    def __init__(self, blank: int, name: str = "ctc", **kwargs: object) -> None:
        super().__init__(name=name, **kwargs)  # type: ignore[arg-type]
        self.blank = int(blank)

    def call(self, y_true, y_pred):  # type: ignore[no-untyped-def]
        ops = keras.ops
        y_true = ops.cast(y_true, "int32")
        label_length = ops.sum(ops.cast(ops.not_equal(y_true, self.blank), "int32"), axis=-1)
        batch, frames = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
        logit_length = ops.full((batch,), frames, dtype="int32")
        log_probs = ops.log(ops.clip(y_pred, _EPS, 1.0))
        if keras.backend.backend() == "tensorflow":
            return _tf_sparse_ctc_loss(y_true, log_probs, logit_length, self.blank)
        return ops.ctc_loss(y_true, log_probs, label_length, logit_length, mask_index=self.blank)

    def get_config(self) -> dict[str, object]:
        return {**super().get_config(), "blank": self.blank}


def _tf_sparse_ctc_loss(labels, log_probs, logit_length, blank: int):  # type: ignore[no-untyped-def]
    """``tf.nn.ctc_loss`` on sparse labels: TensorFlow's C++ CTC kernel.

    ``keras.ops.ctc_loss`` passes dense padded labels, which TensorFlow computes with a
    ``tf.scan`` over time: on CPU about 20x slower (706 vs 32 ms for a batch of 64 lines x
    128 frames, labels padded to 80), which made the loss most of a training step.
    Same loss values and gradients.
    """
    import tensorflow as tf

    index = tf.where(tf.not_equal(labels, blank))
    sparse = tf.SparseTensor(index, tf.gather_nd(labels, index), tf.shape(labels, tf.int64))
    return tf.nn.ctc_loss(
        sparse, log_probs, None, logit_length, logits_time_major=False, blank_index=blank
    )


@dataclass(frozen=True)
class Reading:
    """One decoded line: its text and a confidence in [0, 1] (0 when nothing was read)."""

    text: str
    confidence: float


def decode(
    probs: np.ndarray,
    alphabet: Alphabet,
    strategy: str = "greedy",
    beam_width: int = 10,
) -> list[Reading]:
    """Decode softmax outputs ``[batch, time, num_classes]`` with ``keras.ops.ctc_decode``.

    Confidence: greedy = mean of the top probability over the frames that emit a character;
    beam search = probability of the best beam (``exp`` of its log-probability). A line with
    no character (blank or empty image) gets confidence 0.
    """
    probs = np.asarray(probs, dtype=np.float32)
    if probs.ndim != 3 or probs.shape[-1] != alphabet.num_classes:
        raise ValueError(
            f"expected probabilities [batch, time, {alphabet.num_classes}], got {probs.shape}"
        )
    batch, frames = probs.shape[0], probs.shape[1]
    if batch == 0:
        return []
    log_probs = np.log(np.clip(probs, _EPS, 1.0))
    lengths = np.full((batch,), frames, dtype=np.int32)
    decoded, scores = keras.ops.ctc_decode(
        log_probs,
        lengths,
        strategy=strategy,
        beam_width=beam_width,
        top_paths=1,
        mask_index=alphabet.blank,
    )
    labels = keras.ops.convert_to_numpy(decoded)[0]
    texts = [alphabet.decode(row) for row in labels]
    if strategy == "greedy":
        top = probs.max(axis=-1)
        emitted = probs.argmax(axis=-1) != alphabet.blank
        counts = emitted.sum(axis=1)
        conf = (top * emitted).sum(axis=1) / np.maximum(counts, 1)
    else:
        conf = np.exp(keras.ops.convert_to_numpy(scores)[:, 0])
    return [
        Reading(text, float(c) if text else 0.0) for text, c in zip(texts, conf, strict=True)
    ]
