"""Benchmark the preprocess stage; prints every figure, measured side by side in one run.

Targets (docs: issue 6):
  (a) throughput per core >= 80% of a bare loop of cv2.imread + resize + adaptiveThreshold over
      the same files; 2 workers >= 1.6x one worker;
  (b) 120,000 images -> arrays at 128x512 with peak RSS <= 2 GB and <= 1.1 GB on disk.

    .venv/bin/python benchmarks/bench_preprocess.py throughput            # (a), 24,000 images
    .venv/bin/python benchmarks/bench_preprocess.py scale --rows 120000   # (b), minutes

The dataset is synthetic: ``--distinct`` different line images (default 300) and a manifest
whose rows are hard links to them, so the page cache holds few distinct files (reads are
cheaper than with 120k distinct files; decoding, resizing, thresholding and packing are not).
Worker processes are spawned (about 0.5 s of imports each), so small runs understate the
2-worker speed-up; the CPU-time lines show how busy the machine was.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from crnn_ocr.arrays.build import build_shards
from crnn_ocr.arrays.plan import plan_shards
from crnn_ocr.arrays.store import store_files_size
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.paths import Paths

TEXTS = ("съезд 1917 года", "Москва, ул. Ленина", "ёлка и шоссе", "Привет, мир!", "№ 5 — «да»")


def line_image(rng: np.random.Generator) -> np.ndarray:
    """A text-line-like image: 30-60 px high, 200-700 px wide, strokes on uneven paper."""
    height, width = int(rng.integers(30, 60)), int(rng.integers(200, 700))
    paper = rng.normal(225, 12, size=(height, width)).clip(0, 255).astype(np.uint8)
    for x in range(4, width - 12, int(rng.integers(6, 12))):
        top, bottom = int(rng.integers(4, height // 3)), int(rng.integers(2 * height // 3, height))
        cv2.line(paper, (x, top), (x + int(rng.integers(-4, 8)), bottom), int(rng.integers(0, 80)),
                 int(rng.integers(1, 3)))
    return paper


def make_dataset(root: Path, rows: int, distinct: int, seed: int = 0) -> Path:
    """``root/images`` (``rows`` hard links to ``distinct`` images) + validated outputs."""
    rng = np.random.default_rng(seed)
    images = root / "data" / "raw" / "images"
    images.mkdir(parents=True)
    sources = []
    for i in range(distinct):
        name = f"src_{i:04d}.{'jpg' if i % 3 == 0 else 'png'}"
        cv2.imwrite(str(images / name), line_image(rng))
        sources.append(name)
    validated = root / "data" / "validated"
    validated.mkdir(parents=True)
    with open(validated / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file name", "text", "class", "source", "split"])
        for i in range(rows):
            src = sources[i % distinct]
            name = f"row_{i:06d}{Path(src).suffix}"
            os.link(images / src, images / name)
            split = ("train", "train", "train", "train", "train", "train", "train", "train",
                     "val", "test")[i % 10]
            writer.writerow([name, TEXTS[i % len(TEXTS)], i % 2, "bench", split])
    summary = {"passed": True, "images_dir": "data/raw/images", "rows": rows}
    (validated / "validation.json").write_text(json.dumps(summary), encoding="utf-8")
    return images


def bare_loop(files: list[Path], size: tuple[int, int]) -> float:
    """Seconds for cv2.imread + cv2.resize + cv2.adaptiveThreshold over ``files`` (OpenCV
    single-threaded: the per-core reference)."""
    height, width = size
    cv2.setNumThreads(1)
    started = time.perf_counter()
    for path in files:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise SystemExit(f"{path}: not a readable image")
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 21, 10)
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}  # CPU seconds of the best run of each configuration


def timed_build(images: Path, names: list[str], out: Path, workers: int,
                size: tuple[int, int], shard_size: int) -> float:
    n = len(names)
    specs = plan_shards(names, ["мир"] * n, [0] * n, ["train"] * n, images,
                        PreprocessSettings(*size, 21, 10.0, True), Alphabet.from_texts(["мир"]), 3,
                        shard_size, seed=0)
    started, cpu = time.perf_counter(), cpu_seconds()
    build_shards(specs, out, workers=workers)
    seconds = time.perf_counter() - started
    key = f"workers={workers}"
    if seconds < CPU.get(key + ":wall", 1e9):
        CPU[key + ":wall"], CPU[key] = seconds, cpu_seconds() - cpu
    return seconds


def pool_start() -> float:
    """Seconds to spawn 2 workers that import the shard code (the pool's fixed cost)."""
    import multiprocessing

    from crnn_ocr.arrays.shards import packed_width

    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(packed_width, [8, 16])
    return time.perf_counter() - started


def throughput(args: argparse.Namespace) -> None:
    size = (args.height, args.width)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        images = make_dataset(root, args.rows, args.distinct)
        names = sorted(p.name for p in images.glob("row_*"))
        files = [images / n for n in names]
        bare_loop(files[: args.distinct], size)  # warm the page cache and OpenCV
        shard_size = max(1, args.rows // 8)
        print(f"load average {os.getloadavg()[0]:.1f}; "
              f"{args.rows} images ({args.distinct} distinct files, hard-linked), target "
              f"{args.height}x{args.width}, shards of {shard_size}, cpu cores: {os.cpu_count()}")
        best: dict[str, float] = {}  # best of --repeats, runs interleaved (shared machines)
        for rep in range(args.repeats):
            best["bare"] = min(best.get("bare", 1e9), bare_loop(files, size))
            for workers in (1, 2):
                out = root / f"out-{workers}-{rep}"
                seconds = timed_build(images, names, out, workers, size, shard_size)
                best[f"workers={workers}"] = min(best.get(f"workers={workers}", 1e9), seconds)
                shutil.rmtree(out)
        n = args.rows
        bare = n / best["bare"]
        one = n / best["workers=1"]
        two = n / best["workers=2"]
        print(f"bare loop (imread+resize+adaptiveThreshold), 1 core: {bare:9.0f} images/s")
        print(f"preprocess shards, 1 worker:                         {one:9.0f} images/s "
              f"({one / bare:.0%} of bare; target >= 80%)")
        print(f"preprocess shards, 2 workers:                        {two:9.0f} images/s "
              f"({two / one:.2f}x one worker; target >= 1.6x)")
        for workers in (1, 2):
            key = f"workers={workers}"
            print(f"  {key}: {CPU[key]:.2f} CPU s in {CPU[key + ':wall']:.2f} wall s "
                  f"(CPU/wall {CPU[key] / CPU[key + ':wall']:.2f}; {workers} idle cores would "
                  f"give {workers}.0)")
        print(f"  of which starting 2 spawned workers: {pool_start():.2f} s per run; "
              f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              f"(other jobs on the machine skew these figures)")


class RssSampler(threading.Thread):
    """Peak of the summed RSS of this process and its children, sampled every 0.2 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self.stop.wait(0.2)


def scale(args: argparse.Namespace) -> None:
    from crnn_ocr.stages import preprocess

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        make_dataset(root, args.rows, args.distinct)
        print(f"dataset: {args.rows} manifest rows -> hard links to {args.distinct} distinct "
              f"synthetic line images ({time.perf_counter() - started:.0f} s to build)")
        pp = PreprocessParams(height=args.height, width=args.width, workers=args.workers)
        sampler = RssSampler()
        sampler.start()
        result = preprocess.run(Params(preprocess=pp), Paths.from_root(root))
        sampler.stop.set()
        sampler.join()
        disk = store_files_size(root / "data" / "arrays")
        print(f"preprocess {args.height}x{args.width}: {sum(result.sizes.values())} images in "
              f"{result.seconds:.0f} s ({sum(result.sizes.values()) / result.seconds:.0f} "
              f"images/s, {result.shards_built} shards, workers={pp.workers or os.cpu_count()})")
        print(f"peak RSS, this process + workers (sampled): {sampler.peak / 2**30:.2f} GiB "
              f"(target <= 2 GB)")
        print(f"cache on disk: {disk / 1e9:.3f} GB (target <= 1.1 GB); uint8 would be "
              f"{args.rows * args.height * args.width / 1e9:.1f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["throughput", "scale"])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--workers", type=int, default=0, help="scale mode; 0 = one per core")
    parser.add_argument("--repeats", type=int, default=2, help="throughput mode: best of N")
    parser.add_argument("--tmp", default=None, help="folder for the temporary dataset")
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 24_000 if args.mode == "throughput" else 120_000
    (throughput if args.mode == "throughput" else scale)(args)


if __name__ == "__main__":
    main()
