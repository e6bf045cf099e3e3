"""Width-bucketed training batches: lines of one read width per batch, cropped to that width.

A line sits at the left of its canvas; the rest is white padding that the recogniser still
pays for (its convolutions and one LSTM step per time step run along the whole width). At
inference every line is read at ``core.widths.read_width`` (its text plus a margin of one
canvas height, rounded up to a bucket). Grouping the training lines by the same rule and
cropping each batch to its bucket trains on the canvases inference reads, at the cost of the
text rather than of the canvas (``train.ocr.width_step``; docs/training.md).

A line's text width is taken from its ink (the last byte column with a set bit, so a multiple
of 8), widened where needed so the line's label still fits the CTC frames of its bucket.
Shuffling stays bounded as in ``arrays.tfdata``: shards in a random order, lines of a shard
permuted within their bucket; a bucket's last partial batch of a shard waits for the next
shard's lines of that bucket, so a pass yields ``sum(ceil(lines_in_bucket / batch_size))``
batches (:func:`count_batches`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from crnn_ocr.arrays.store import ArrayStore
from crnn_ocr.core.widths import read_width


def ink_widths(packed: np.ndarray) -> np.ndarray:
    """Columns up to and including the last byte column with ink, per bit-packed image
    ``uint8 [n, H, W / 8]`` (0 for a blank image)."""
    columns = np.asarray(packed.any(axis=1))  # [n, W / 8]
    last = columns.shape[1] - np.argmax(columns[:, ::-1], axis=1)
    return np.where(columns.any(axis=1), last * 8, 0).astype(np.int64)


def frames_needed(labels: np.ndarray, blank: int) -> np.ndarray:
    """CTC frames each encoded label (``int [n, L]`` padded with ``blank``) needs: one per
    character plus one between repeated characters (``models.ctc.ctc_frames_needed``)."""
    chars = labels != blank
    repeats = (labels[:, 1:] == labels[:, :-1]) & chars[:, 1:]
    return chars.sum(axis=1) + repeats.sum(axis=1)


def line_widths(
    store: ArrayStore, split: str, step: int, columns_per_frame: int
) -> dict[str, np.ndarray]:
    """The width every line of ``split`` is trained at, per shard name: ``read_width`` of its
    ink, raised to the nearest bucket whose frames hold its label (at most the canvas)."""
    height, width = store.image_shape
    blank = store.alphabet.blank
    widths: dict[str, np.ndarray] = {}
    for info in store.shards(split):
        arrays = store.open_shard(info.name)
        text = read_width(ink_widths(np.asarray(arrays.images)), (height, width), step)
        need = frames_needed(np.asarray(arrays.labels), blank) * columns_per_frame
        fits = np.minimum(-(-need // step) * step, width)
        widths[info.name] = np.maximum(text, fits)
    return widths


def count_batches(widths: dict[str, np.ndarray], batch_size: int) -> int:
    """Batches one pass of :func:`bucketed_batches` yields."""
    if not widths:
        return 0
    _, counts = np.unique(np.concatenate(list(widths.values())), return_counts=True)
    return int(sum(-(-int(n) // batch_size) for n in counts))


def bucketed_batches(
    store: ArrayStore,
    split: str,
    batch_size: int,
    widths: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One pass of ``(packed images [B, H, bucket / 8], labels)`` batches of ``split``, each
    batch one bucket wide."""
    held: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    infos = store.shards(split)
    for k in rng.permutation(len(infos)):
        info = infos[k]
        arrays = store.open_shard(info.name)
        shard_widths = widths[info.name]
        ready: list[tuple[np.ndarray, np.ndarray]] = []
        for bucket in np.unique(shard_widths):
            rows = np.flatnonzero(shard_widths == bucket)  # sorted: sequential memory-map reads
            x = np.asarray(arrays.images[rows])[:, :, : int(bucket) // 8]
            y = np.asarray(arrays.labels[rows])
            order = rng.permutation(len(rows))
            x, y = x[order], y[order]
            if int(bucket) in held:
                old_x, old_y = held.pop(int(bucket))
                x, y = np.concatenate([old_x, x]), np.concatenate([old_y, y])
            full = len(x) // batch_size * batch_size
            ready.extend((x[s : s + batch_size], y[s : s + batch_size])
                         for s in range(0, full, batch_size))
            if full < len(x):
                held[int(bucket)] = (x[full:], y[full:])
        for index in rng.permutation(len(ready)):
            yield ready[index]
    for bucket in sorted(held):
        yield held[bucket]
