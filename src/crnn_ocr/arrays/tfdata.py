"""Stream an ``ArrayStore`` split as a ``tf.data.Dataset`` (or as NumPy batches for evaluation).

Shards stay memory-mapped: a generator fancy-indexes one shard at a time and yields bit-packed
batches (8x less data through Python than pixels); unpacking to float {0, 1} (a gather from a
256-row table, or bit shifts), the OCR rotation (done on the packed bytes, 8x less to move)
and prefetching run in the TensorFlow graph, in parallel. Shuffling is bounded: shard order is
shuffled and rows are permuted within a shard (shards are themselves random samples of their
split, see ``arrays.plan``), so memory never exceeds one shard's indices plus a few batches.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from crnn_ocr.arrays import augment as aug
from crnn_ocr.arrays import buckets
from crnn_ocr.arrays.shards import packed_width, unpack_images
from crnn_ocr.arrays.store import SPLITS, ArrayStore
from crnn_ocr.config.train import AugmentParams
from crnn_ocr.data.manifest import with_source

Task = Literal["classify", "ocr"]
TASKS = ("classify", "ocr")


@dataclass(frozen=True)
class Batch:
    """NumPy batch in store order: model inputs, targets, and what evaluation reports on."""

    images: np.ndarray  # float32 [B, H, W, 1] (classify) or [B, W, H, 1] (ocr, rotated)
    labels: np.ndarray  # int32 [B] (classify) or [B, max_label_len] padded with blank (ocr)
    classes: np.ndarray  # int32 [B]
    texts: list[str]
    file_names: list[str]
    sources: list[str]  # "" where the store has no source column


def _check(store: ArrayStore, split: str, task: str) -> None:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _batches(
    store: ArrayStore, split: str, task: str, batch_size: int, rng: np.random.Generator | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(packed images, targets) batches over ``split``; batches may span shard boundaries."""
    infos = store.shards(split)
    order = rng.permutation(len(infos)) if rng is not None else range(len(infos))
    held_x: list[np.ndarray] = []
    held_y: list[np.ndarray] = []
    held = 0
    for k in order:
        arrays = store.open_shard(infos[k].name)
        targets = arrays.classes if task == "classify" else arrays.labels
        n = len(arrays.images)
        index = rng.permutation(n) if rng is not None else None
        for start in range(0, n, batch_size):
            stop = start + batch_size
            if index is None:
                x, y = arrays.images[start:stop], targets[start:stop]
            else:  # sorted within the batch: sequential reads of the memory map
                take = np.sort(index[start:stop])
                x, y = arrays.images[take], targets[take]
            held_x.append(np.asarray(x))
            held_y.append(np.asarray(y))
            held += len(x)
            while held >= batch_size:
                xs, ys = np.concatenate(held_x), np.concatenate(held_y)
                yield xs[:batch_size], ys[:batch_size]
                held_x, held_y, held = [xs[batch_size:]], [ys[batch_size:]], held - batch_size
    if held:
        yield np.concatenate(held_x), np.concatenate(held_y)


def make_dataset(
    store: ArrayStore,
    split: str,
    task: Task,
    batch_size: int,
    shuffle: bool,
    seed: int,
    repeat: bool = False,
    augment: AugmentParams | None = None,
    width_step: int | None = None,
    columns_per_frame: int = 1,
) -> Any:
    """A batched, prefetched ``tf.data.Dataset`` of ``split`` (shapes in docs/CONTRACTS.md).

    ``task="classify"``: ``(float32 [B, H, W, 1] in {0, 1}, int32 [B])``;
    ``task="ocr"``: ``(float32 [B, W, H, 1]`` rotated 90 degrees clockwise like
    ``core.preprocessing.rotate_image``, ``int32 [B, max_label_len])`` padded with the blank.
    Each pass (epoch) reshuffles with ``(seed, pass number)``; ``repeat`` makes it endless.
    ``augment`` (when enabled) warps each image anew every pass (``arrays.augment``), drawn
    from the same ``(seed, pass number)``.

    ``width_step`` (OCR only): each batch holds lines of one read width (their text plus a
    margin, rounded up to a multiple of ``width_step``; ``arrays.buckets``) and is cropped to
    it, so images are ``[B, bucket, H, 1]``; ``columns_per_frame`` (the recogniser's input
    columns per output frame) widens a bucket where a label needs more CTC frames.
    """
    import tensorflow as tf

    _check(store, split, task)
    height, width = store.image_shape
    packed_w = packed_width(width)
    passes = itertools.count()

    warp = augment if augment is not None and augment.enabled else None
    widths = None
    if width_step is not None:
        if task != "ocr":
            raise ValueError("width_step applies to the OCR task only")
        widths = buckets.line_widths(store, split, width_step, columns_per_frame)

    def one_pass(rng: np.random.Generator | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if widths is None:
            return _batches(store, split, task, batch_size, rng)
        rng = rng if rng is not None else np.random.default_rng(seed)
        return buckets.bucketed_batches(store, split, batch_size, widths, rng)

    def generate() -> Iterator[tuple[np.ndarray, ...]]:
        while True:
            pass_number = next(passes)
            rng = np.random.default_rng([seed, pass_number]) if shuffle else None
            warp_rng = np.random.default_rng([seed, pass_number, 1])
            for x, y in one_pass(rng):
                if warp is None:
                    yield x, y.astype(np.int32, copy=False)
                else:
                    draws = aug.draw(warp, len(x), height, min(width, x.shape[2] * 8), warp_rng)
                    yield x, y.astype(np.int32, copy=False), draws
            if not repeat:
                return

    label_shape = [None] if task == "classify" else [None, store.max_label_len]
    image_shape = [None, height, packed_w if widths is None else None]
    signature: tuple[tf.TensorSpec, ...] = (tf.TensorSpec(image_shape, tf.uint8),
                                            tf.TensorSpec(label_shape, tf.int32))
    if warp is not None:
        signature += (tf.TensorSpec([None, aug.DRAWS], tf.float32),)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature)
    # Row b of the table = the 8 pixels {0.0, 1.0} of byte b: unpacking is one gather.
    table = tf.constant(np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1),
                        dtype=tf.float32)
    shifts = tf.constant([7, 6, 5, 4, 3, 2, 1, 0], dtype=tf.uint8)[None, None, :, None]

    def unpack(packed: Any, labels: Any, draws: Any = None) -> tuple[Any, Any]:
        # Columns of the packed batch: the canvas, or a bucket's width (a multiple of 8).
        columns = packed_w * 8 if widths is None else tf.shape(packed)[2] * 8
        if task == "classify" or draws is not None:
            pixels = tf.gather(table, tf.cast(packed, tf.int32))  # [B, H, W/8, 8]
            images = tf.reshape(pixels, [-1, height, columns])[:, :, :width]
            if draws is not None:
                images = aug.apply(images[..., None], draws)[..., 0]
                if task == "ocr":  # the same clockwise rotation as below, on pixels
                    images = tf.reverse(tf.transpose(images, [0, 2, 1]), axis=[2])
        else:  # 90 degrees clockwise, out[i, j] = in[H - 1 - j, i]: rotate the bytes first
            rows = tf.reverse(tf.transpose(packed, [0, 2, 1]), axis=[2])  # [B, W/8, H]
            bits = tf.bitwise.right_shift(rows[:, :, None, :], shifts)  # [B, W/8, 8, H]
            pixels = tf.cast(tf.bitwise.bitwise_and(bits, 1), tf.float32)
            images = tf.reshape(pixels, [-1, columns, height])[:, :width, :]
        return images[..., None], labels

    dataset = dataset.map(unpack, num_parallel_calls=tf.data.AUTOTUNE)
    if not repeat:
        batches = (-(-store.size(split) // batch_size) if widths is None
                   else buckets.count_batches(widths, batch_size))
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.prefetch(tf.data.AUTOTUNE)


def to_model_input(packed: np.ndarray, width: int, task: str) -> np.ndarray:
    """NumPy twin of the graph unpacking: float32 [B, H, W, 1], rotated clockwise for OCR."""
    images = unpack_images(packed, width).astype(np.float32)[..., None]
    if task == "ocr":
        images = np.ascontiguousarray(np.rot90(images, k=-1, axes=(1, 2)))
    return images


def numpy_batches(
    store: ArrayStore, split: str, task: Task, batch_size: int, limit: int | None = None
) -> Iterator[Batch]:
    """``split`` in store order as ``Batch``es (images, labels, classes, texts, file names,
    sources), for evaluation; at most ``limit`` rows."""
    _check(store, split, task)
    rows = with_source(store.rows(split))
    total = len(rows) if limit is None else min(limit, len(rows))
    done = 0
    for x, y in _batches(store, split, task, batch_size, rng=None):
        if done >= total:
            return
        keep = min(len(x), total - done)
        part = rows.iloc[done : done + keep]
        yield Batch(
            images=to_model_input(x[:keep], store.image_shape[1], task),
            labels=y[:keep].astype(np.int32),
            classes=part["class"].to_numpy(dtype=np.int32),
            texts=part["text"].tolist(),
            file_names=part["file name"].tolist(),
            sources=part["source"].fillna("").astype(str).tolist(),
        )
        done += keep
