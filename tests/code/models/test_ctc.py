"""CTC loss (blank = last index) and library decoding with per-line confidence."""

from __future__ import annotations

import numpy as np
import pytest

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.errors import DataError
from crnn_ocr.models.ctc import CtcLoss, check_label_lengths, ctc_frames_needed, decode

ALPHABET = Alphabet.from_charset("абв ")  # chars: ' ', а, б, в ; blank = 4


def _one_hot_path(path: list[int], p: float = 0.9) -> np.ndarray:
    """Probabilities [1, T, C] putting ``p`` on each frame's index of ``path``."""
    c = ALPHABET.num_classes
    probs = np.full((1, len(path), c), (1 - p) / (c - 1), dtype=np.float32)
    for t, k in enumerate(path):
        probs[0, t, k] = p
    return probs


def test_greedy_decoding_collapses_repeats_and_drops_blanks() -> None:
    a, b, blank = ALPHABET.chars.index("а"), ALPHABET.chars.index("б"), ALPHABET.blank
    probs = _one_hot_path([a, a, blank, a, b, b, blank])
    (reading,) = decode(probs, ALPHABET, "greedy")
    assert reading.text == "ааб"
    assert reading.confidence == pytest.approx(0.9, abs=1e-5)


def test_beam_search_agrees_on_a_clear_path() -> None:
    a, b, blank = ALPHABET.chars.index("а"), ALPHABET.chars.index("б"), ALPHABET.blank
    probs = _one_hot_path([blank, b, blank, a, blank], p=0.95)
    (reading,) = decode(probs, ALPHABET, "beam_search", beam_width=5)
    assert reading.text == "ба"
    assert 0.5 < reading.confidence <= 1.0


def test_all_blank_output_is_empty_with_zero_confidence() -> None:
    probs = _one_hot_path([ALPHABET.blank] * 6, p=0.99)
    for strategy in ("greedy", "beam_search"):
        (reading,) = decode(probs, ALPHABET, strategy)
        assert reading.text == "" and reading.confidence == 0.0


def test_decode_rejects_wrong_class_count() -> None:
    with pytest.raises(ValueError, match="batch, time"):
        decode(np.zeros((1, 4, 3), np.float32), ALPHABET)


def test_ctc_loss_is_low_for_the_right_label_and_high_for_a_wrong_one() -> None:
    a, b, blank = ALPHABET.chars.index("а"), ALPHABET.chars.index("б"), ALPHABET.blank
    probs = np.concatenate([_one_hot_path([a, blank, b, blank])] * 2)
    labels = np.array([[a, b, blank], [b, a, blank]], dtype=np.int32)  # padded with blank
    loss = CtcLoss(ALPHABET.blank, reduction=None)
    values = np.asarray(loss(labels, probs))
    assert values.shape == (2,)
    assert np.all(np.isfinite(values))
    assert values[0] < 1.0 < values[1]


def test_loss_round_trips_through_config() -> None:
    loss = CtcLoss(7)
    assert CtcLoss.from_config(loss.get_config()).blank == 7


def test_frames_needed_counts_blanks_between_repeats() -> None:
    assert ctc_frames_needed("абв") == 3
    assert ctc_frames_needed("аа") == 3
    assert ctc_frames_needed("ааа б") == 7


def test_too_long_label_is_named_before_training() -> None:
    check_label_lengths(["ok.png"], ["абв"], time_steps=3)
    with pytest.raises(DataError, match=r"long\.png.*'аабб' needs 6"):
        check_label_lengths(["ok.png", "long.png"], ["аб", "аабб"], time_steps=5)



def test_sparse_kernel_loss_and_gradient_match_keras_dense_ctc() -> None:
    """The TensorFlow sparse-label kernel must give keras.ops.ctc_loss's numbers exactly."""
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(3)
    batch, frames, blank = 6, 24, 9
    logits = tf.constant(rng.normal(size=(batch, frames, blank + 1)).astype("float32"))
    labels = np.full((batch, 12), blank, dtype=np.int32)
    for i, n in enumerate([1, 3, 5, 7, 11, 12]):
        labels[i, :n] = rng.integers(0, blank, n)
    labels[2, :3] = 4  # repeated characters need blanks between them
    lengths = (labels != blank).sum(axis=1)

    def both() -> tuple[tf.Tensor, tf.Tensor]:
        probs = tf.nn.softmax(logits)
        ours = CtcLoss(blank).call(labels, probs)
        log_probs = keras.ops.log(keras.ops.clip(probs, 1e-7, 1.0))
        dense = keras.ops.ctc_loss(labels, log_probs, lengths, np.full(batch, frames),
                                   mask_index=blank)
        return ours, dense

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        ours, dense = both()
    np.testing.assert_allclose(ours.numpy(), dense.numpy(), rtol=1e-4)
    np.testing.assert_allclose(tape.gradient(ours, logits).numpy(),
                               tape.gradient(dense, logits).numpy(), atol=1e-4)
