"""Score the classifier on a tf.data split or on an image folder (e.g. the real-image sample)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crnn_ocr.core.metrics import DEFAULT_LENGTH_BUCKETS, length_bucket
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.models.classifier import CLASS_NAMES, NUM_CLASSES

if TYPE_CHECKING:
    import keras
    import pandas as pd
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
    """Accuracy, 2x2 confusion matrix (rows = truth), a few misclassified samples, and the
    accuracy per text-length bucket, per source and per font of synthetic lines (where short
    lines, one source or a few fonts are the weak spot, the overall accuracy does not say)."""

    confusion: np.ndarray
    misclassified: list[Misclassified] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)  # "len_1-5" -> lines
    correct: Counter[str] = field(default_factory=Counter)

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
        sources = [g for g in self.seen if g.startswith("source_")]
        for group in sorted(self.seen):
            if group.startswith(FONT_GROUP):
                continue  # dozens of fonts: in font_table() / accuracy_by_font.csv instead
            if group in sources and len(sources) < 2:
                continue  # one source: its accuracy is the overall one
            out[f"{prefix}{group}_accuracy"] = self.correct[group] / self.seen[group]
            out[f"{prefix}{group}_count"] = float(self.seen[group])
        return out


    def font_table(self) -> pd.DataFrame | None:
        """Lines and accuracy per font of synthetic lines, worst first (None without fonts)."""
        fonts = sorted(g for g in self.seen if g.startswith(FONT_GROUP))
        if not fonts:
            return None
        import pandas as pd

        table = pd.DataFrame({
            "font": [g.removeprefix(FONT_GROUP) for g in fonts],
            "lines": [self.seen[g] for g in fonts],
            "accuracy": [self.correct[g] / self.seen[g] for g in fonts],
        })
        return table.sort_values(["accuracy", "font"], kind="stable").reset_index(drop=True)


FONT_GROUP = "font_"


def line_groups(text: str, source: str, buckets: Sequence[int], font: str = "") -> list[str]:
    """The metric groups of one line: its length bucket, its source and its font (if any)."""
    groups = [f"len_{length_bucket(len(text), buckets)}", f"source_{source or 'unknown'}"]
    return [*groups, f"{FONT_GROUP}{font}"] if font else groups


class _Scorer:
    def __init__(self, keep: int, buckets: Sequence[int] = DEFAULT_LENGTH_BUCKETS) -> None:
        self.keep = keep
        self.buckets = buckets
        self.score = ClassifierScore(np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64))

    def add(self, model: keras.Model, images: np.ndarray, labels: np.ndarray,
            names: Sequence[str] | None = None, texts: Sequence[str] | None = None,
            sources: Sequence[str] | None = None, fonts: Sequence[str] | None = None) -> None:
        probs = np.asarray(model.predict_on_batch(images))
        predicted = probs.argmax(axis=1)
        np.add.at(self.score.confusion, (labels, predicted), 1)
        if texts is not None:
            for i, text in enumerate(texts):
                source = sources[i] if sources is not None else ""
                font = fonts[i] if fonts is not None else ""
                for group in line_groups(text, source, self.buckets, font):
                    self.score.seen[group] += 1
                    self.score.correct[group] += int(predicted[i] == labels[i])
        for wrong in map(int, np.flatnonzero(predicted != labels)):
            if len(self.score.misclassified) >= self.keep:
                break
            self.score.misclassified.append(Misclassified(
                images[wrong], int(labels[wrong]), int(predicted[wrong]),
                float(probs[wrong, predicted[wrong]]), names[wrong] if names else "",
            ))


def score_dataset(model: keras.Model, dataset: tf.data.Dataset, keep: int) -> ClassifierScore:
    """Predict a ``(images, labels)`` dataset batch by batch (streamed, never all in RAM)."""
    scorer = _Scorer(keep)
    for images, labels in dataset.as_numpy_iterator():
        scorer.add(model, images, labels.astype(np.int64))
    return scorer.score


def score_store(
    model: keras.Model,
    store: Any,
    split: str,
    batch_size: int,
    keep: int,
    buckets: Sequence[int] = DEFAULT_LENGTH_BUCKETS,
    fonts: Mapping[str, str] | None = None,
) -> ClassifierScore:
    """Score a split of the array store in order, naming misclassified files.

    ``fonts`` (file name -> font, see ``manifest.read_fonts``) adds per-font accuracy.
    """
    from crnn_ocr.arrays import numpy_batches

    scorer = _Scorer(keep, buckets)
    for batch in numpy_batches(store, split, "classify", batch_size):
        scorer.add(model, batch.images, batch.labels.astype(np.int64), batch.file_names,
                   batch.texts, batch.sources,
                   [fonts.get(n, "") for n in batch.file_names] if fonts else None)
    return scorer.score


def score_folder(
    model: keras.Model,
    dataset_dir: Path,
    settings: PreprocessSettings,
    keep: int,
    batch_size: int = 64,
    buckets: Sequence[int] = DEFAULT_LENGTH_BUCKETS,
) -> ClassifierScore:
    """Score an ``images/ + labels.csv`` folder, preprocessed exactly as the array store does.

    Unreadable images are skipped and named in ``skipped``.
    """
    import cv2

    from crnn_ocr.data.manifest import read_labels, with_source

    table = with_source(read_labels(dataset_dir))
    scorer = _Scorer(keep, buckets)
    rows: list[tuple[np.ndarray, int, str, str, str]] = []

    def flush() -> None:
        if rows:
            images, labels, names, texts, sources = zip(*rows, strict=True)
            scorer.add(model, np.stack(images), np.asarray(labels, dtype=np.int64),
                       list(names), texts, sources)
            rows.clear()

    for name, cls, text, source in zip(table["file name"], table["class"], table["text"],
                                       table["source"], strict=True):
        image = cv2.imread(str(dataset_dir / "images" / name), cv2.IMREAD_GRAYSCALE)
        if image is None:
            scorer.score.skipped.append(f"{dataset_dir / 'images' / name}: cannot decode")
            continue
        binary = settings.apply(image)
        rows.append(((binary > 0).astype(np.float32)[..., None], int(cls), str(name), str(text),
                     str(source)))
        if len(rows) == batch_size:
            flush()
    flush()
    return scorer.score


def misclassified_captions(score: ClassifierScore) -> list[str]:
    return [
        f"{m.name + ': ' if m.name else ''}true {CLASS_NAMES[m.truth]}, "
        f"predicted {CLASS_NAMES[m.predicted]} (p={m.probability:.2f})"
        for m in score.misclassified
    ]
