"""The OCR view of the array store, shared by the ``train_ocr`` and ``evaluate`` stages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crnn_ocr.config.train import AugmentParams
from crnn_ocr.data.manifest import with_source
from crnn_ocr.errors import DataError
from crnn_ocr.models.ctc import check_label_lengths, ctc_frames_needed
from crnn_ocr.paths import Paths


def open_store(paths: Paths, splits: Sequence[str]) -> Any:
    """The project's ``ArrayStore``; each of ``splits`` must hold lines."""
    from crnn_ocr.arrays import ArrayStore

    if not paths.arrays.is_dir():
        raise DataError(f"{paths.arrays}: array store not found (run `crnn-ocr preprocess`)")
    store = ArrayStore(paths.arrays)
    for split in splits:
        if store.size(split) == 0:
            raise DataError(f"{paths.arrays}: split {split!r} is empty")
    return store


def dataset(
    store: Any, split: str, batch_size: int, shuffle: bool = False, seed: int = 0,
    repeat: bool = False, augment: AugmentParams | None = None,
    width_step: int | None = None, columns_per_frame: int = 1,
) -> Any:
    """``(images [B, W, H, 1], labels [B, max_len] padded with blank)`` batches of ``split``
    (``W`` one bucket's width per batch with ``width_step``, see ``arrays.make_dataset``)."""
    from crnn_ocr.arrays import make_dataset

    return make_dataset(store, split, "ocr", batch_size, shuffle=shuffle, seed=seed,
                        repeat=repeat, augment=augment, width_step=width_step,
                        columns_per_frame=columns_per_frame)


def split_table(store: Any, split: str) -> pd.DataFrame:
    """``file name, text, class, source`` of every line of ``split``, in store order."""
    frame = with_source(store.rows(split))
    return frame[["file name", "text", "class", "source"]].reset_index(drop=True)


def check_labels_fit(store: Any, splits: Sequence[str], time_steps: int) -> None:
    """Refuse (naming file and text) labels too long for the model's ``time_steps`` frames."""
    if 2 * int(store.max_label_len) - 1 <= time_steps:
        return  # even a label made only of doubled letters fits
    for split in splits:
        table = split_table(store, split)
        bad = table[table["text"].map(ctc_frames_needed) > time_steps]
        if len(bad):
            check_label_lengths(list(bad["file name"]), list(bad["text"]), time_steps)


def batches(
    store: Any, split: str, batch_size: int, limit: int | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """``(rows, images [B, W, H, 1])`` of ``split`` in store order, at most ``limit`` lines."""
    from crnn_ocr.arrays import numpy_batches

    for batch in numpy_batches(store, split, "ocr", batch_size, limit=limit):
        rows = pd.DataFrame({"file name": batch.file_names, "text": batch.texts,
                             "class": batch.classes, "source": batch.sources})
        yield rows, batch.images


def take_lines(store: Any, split: str, n: int) -> tuple[np.ndarray, list[str]]:
    """The first ``n`` lines of ``split`` (fixed, unshuffled): images and texts."""
    height, width = store.image_shape
    images: list[np.ndarray] = []
    texts: list[str] = []
    if n > 0:
        for rows, batch_images in batches(store, split, min(n, 64), limit=n):
            images.append(batch_images)
            texts.extend(rows["text"])
    if not images:
        return np.zeros((0, width, height, 1), np.float32), []
    return np.concatenate(images).astype(np.float32), texts
