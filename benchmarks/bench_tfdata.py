"""Benchmark the tf.data pipeline over the array store: prints images/s per task and size.

Target: >= 5,000 images/s delivered from the cache (unpacked float32, OCR rotation included).

    .venv/bin/python benchmarks/bench_tfdata.py                     # builds stores in /tmp
    .venv/bin/python benchmarks/bench_tfdata.py --store data/arrays # an existing store

Each store is built by the preprocess stage from ``--rows`` hard links to 200 synthetic line
images (see bench_preprocess.py); the pipeline is then drained for ``--epochs`` passes with
shuffling on, as training does, and the best pass is reported (plus the mean).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_preprocess import make_dataset

from crnn_ocr.arrays import ArrayStore, numpy_batches
from crnn_ocr.arrays import make_dataset as tf_dataset
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.paths import Paths


def drain(store: ArrayStore, task: str, batch_size: int, epochs: int) -> list[float]:
    """Images/s of each pass over the train split (every batch pulled into NumPy)."""
    dataset = tf_dataset(store, "train", task, batch_size, shuffle=True, seed=0)  # type: ignore[arg-type]
    rates = []
    for _ in range(epochs):
        started = time.perf_counter()
        count = 0
        for images, _labels in dataset:
            count += int(images.shape[0])
        rates.append(count / (time.perf_counter() - started))
    return rates


def numpy_rate(store: ArrayStore, task: str, batch_size: int) -> float:
    started = time.perf_counter()
    count = sum(len(b.texts) for b in numpy_batches(store, "train", task, batch_size))  # type: ignore[arg-type]
    return count / (time.perf_counter() - started)


def report(store: ArrayStore, batch_size: int, epochs: int) -> None:
    height, width = store.image_shape
    print(f"store {store.path}: train {store.size('train')} images of {height}x{width}, "
          f"batch {batch_size}, load average {os.getloadavg()[0]:.1f}")
    for task in ("classify", "ocr"):
        rates = drain(store, task, batch_size, epochs)
        print(f"  tf.data {task:8s}: best {max(rates):8.0f} images/s, mean "
              f"{sum(rates) / len(rates):8.0f} over {epochs} shuffled passes (target >= 5000)")
    print(f"  numpy_batches ocr (evaluation path): {numpy_rate(store, 'ocr', batch_size):8.0f} "
          f"images/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None, help="existing store folder")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--sizes", default="128x512,32x512", help="HxW list (built stores)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    if args.store:
        report(ArrayStore(args.store), args.batch_size, args.epochs)
        return
    from crnn_ocr.stages import preprocess

    with tempfile.TemporaryDirectory() as tmp:
        make_dataset(Path(tmp), args.rows, distinct=200)
        for size in args.sizes.split(","):
            height, width = (int(v) for v in size.split("x"))
            out = Path(tmp) / f"arrays-{height}x{width}"
            params = Params(preprocess=PreprocessParams(height=height, width=width))
            preprocess.run(params, Paths.from_root(tmp), out_dir=out)
            report(ArrayStore(out), args.batch_size, args.epochs)


if __name__ == "__main__":
    main()
