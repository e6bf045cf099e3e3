"""Classifier scores per text-length bucket and per source, with a real (hand-set) Keras model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from crnn_ocr.training.classifier_eval import _Scorer


def mean_ink_model() -> keras.Model:
    """Predicts handwritten (1) when more than half of the image is ink, else printed (0)."""
    model = keras.Sequential([keras.Input((4, 8, 1)), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.array([[-10.0, 10.0]]), np.array([5.0, -5.0])])
    return model


def images(ink: list[bool]) -> np.ndarray:
    return np.stack([np.full((4, 8, 1), float(i), np.float32) for i in ink])


def test_accuracy_per_length_bucket_and_source() -> None:
    scorer = _Scorer(keep=2, buckets=[5, 10])
    texts = ["ab", "abc", "abcdefg", "abcdefghijkl", "a"]
    labels = np.array([1, 0, 1, 0, 1])
    # predictions 1, 1, 1, 0, 0 -> right, wrong, right, right, wrong
    scorer.add(mean_ink_model(), images([True, True, True, False, False]), labels,
               [f"f{i}" for i in range(5)], texts, ["a", "a", "b", "b", "a"])
    metrics = scorer.score.metrics("test_")
    assert metrics["test_accuracy"] == pytest.approx(3 / 5)
    assert metrics["test_len_1-5_accuracy"] == pytest.approx(1 / 3)
    assert metrics["test_len_1-5_count"] == 3
    assert metrics["test_len_6-10_accuracy"] == 1.0
    assert metrics["test_len_11-up_accuracy"] == 1.0
    assert metrics["test_source_a_accuracy"] == pytest.approx(1 / 3)
    assert metrics["test_source_b_accuracy"] == 1.0
    assert [m.name for m in scorer.score.misclassified] == ["f1", "f4"]


def test_one_source_adds_no_per_source_metric() -> None:
    scorer = _Scorer(keep=0)
    scorer.add(mean_ink_model(), images([True, False]), np.array([1, 1]), None,
               ["abc", "abcdef"], ["synth", "synth"])
    metrics = scorer.score.metrics("")
    assert not [k for k in metrics if k.startswith("source_")]
    assert metrics["len_1-5_accuracy"] == 1.0 and metrics["len_6-10_accuracy"] == 0.0


def test_accuracy_per_font_in_a_table_not_in_metrics() -> None:
    scorer = _Scorer(keep=0)
    # predictions 1, 1, 0 -> right, wrong, wrong
    scorer.add(mean_ink_model(), images([True, True, False]), np.array([1, 0, 1]), None,
               ["abc", "abc", "abc"], ["synth"] * 3, ["Caveat", "PTSans", "Caveat"])
    assert not [k for k in scorer.score.metrics("") if "font" in k]
    table = scorer.score.font_table()
    assert table is not None
    assert table.to_dict("list") == {"font": ["PTSans", "Caveat"], "lines": [1, 2],
                                     "accuracy": [0.0, 0.5]}
    plain = _Scorer(keep=0)
    plain.add(mean_ink_model(), images([True]), np.array([1]), None, ["abc"], ["synth"])
    assert plain.score.font_table() is None
