"""Score the classifier on a tf.data split or on an image folder (e.g. the real-image sample)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.models.classifier import CLASS_NAMES, NUM_CLASSES

if TYPE_CHECKING:
    import keras
    import tensorflow as tf


@dataclass
class Misclassified:
    image: np.ndarray
    truth: int
    predicted: int
    probability: float
    name: str = ""


@dataclass
class ClassifierScore:
    """Accuracy, 2x2 confusion matrix (rows = truth) and a few misclassified samples."""

    confusion: np.ndarray
    misclassified: list[Misclassified] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(self.count, 1))

    def metrics(self, prefix: str) -> dict[str, float]:
        """``<prefix>accuracy``, per-class recall and the number of samples."""
        out = {f"{prefix}accuracy": self.accuracy, f"{prefix}count": float(self.count)}
        for cls, name in enumerate(CLASS_NAMES):
            total = self.confusion[cls].sum()
            if total:
                out[f"{prefix}recall_{name}"] = float(self.confusion[cls, cls] / total)
        return out


class _Scorer:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.score = ClassifierScore(np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64))

    def add(self, model: keras.Model, images: np.ndarray, labels: np.ndarray,
            names: list[str] | None = None) -> None:
        probs = np.asarray(model.predict_on_batch(images))
        predicted = probs.argmax(axis=1)
        np.add.at(self.score.confusion, (labels, predicted), 1)
        for i in np.flatnonzero(predicted != labels):
            if len(self.score.misclassified) >= self.keep:
                break
            self.score.misclassified.append(Misclassified(
                images[i], int(labels[i]), int(predicted[i]), float(probs[i, predicted[i]]),
                names[i] if names else "",
            ))


def score_dataset(model: keras.Model, dataset: tf.data.Dataset, keep: int) -> ClassifierScore:
    """Predict a ``(images, labels)`` dataset batch by batch (streamed, never all in RAM)."""
    scorer = _Scorer(keep)
    for images, labels in dataset.as_numpy_iterator():
        scorer.add(model, images, labels.astype(np.int64))
    return scorer.score


def score_store(
    model: keras.Model, store: Any, split: str, batch_size: int, keep: int
) -> ClassifierScore:
    """Score a split of the array store in order, naming misclassified files."""
    from crnn_ocr.arrays import numpy_batches

    scorer = _Scorer(keep)
    for batch in numpy_batches(store, split, "classify", batch_size):
        scorer.add(model, batch.images, batch.labels.astype(np.int64), list(batch.file_names))
    return scorer.score


def score_folder(
    model: keras.Model,
    dataset_dir: Path,
    settings: PreprocessSettings,
    keep: int,
    batch_size: int = 64,
) -> ClassifierScore:
    """Score an ``images/ + labels.csv`` folder, preprocessed exactly as the array store does.

    Unreadable images are skipped and named in ``skipped``.
    """
    import cv2

    from crnn_ocr.data.manifest import read_labels

    table = read_labels(dataset_dir)
    scorer = _Scorer(keep)
    batch: list[np.ndarray] = []
    labels: list[int] = []
    names: list[str] = []

    def flush() -> None:
        if batch:
            scorer.add(model, np.stack(batch), np.asarray(labels, dtype=np.int64), list(names))
            batch.clear()
            labels.clear()
            names.clear()

    for name, cls in zip(table["file name"], table["class"], strict=True):
        image = cv2.imread(str(dataset_dir / "images" / name), cv2.IMREAD_GRAYSCALE)
        if image is None:
            scorer.score.skipped.append(f"{dataset_dir / 'images' / name}: cannot decode")
            continue
        binary = settings.apply(image)
        batch.append((binary > 0).astype(np.float32)[..., None])
        labels.append(int(cls))
        names.append(str(name))
        if len(batch) == batch_size:
            flush()
    flush()
    return scorer.score


def misclassified_captions(score: ClassifierScore) -> list[str]:
    return [
        f"{m.name + ': ' if m.name else ''}true {CLASS_NAMES[m.truth]}, "
        f"predicted {CLASS_NAMES[m.predicted]} (p={m.probability:.2f})"
        for m in score.misclassified
    ]
