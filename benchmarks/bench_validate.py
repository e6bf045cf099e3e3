"""Benchmark the validate stage on a large dataset: prints rows/s, wall time and peak RSS.

Target: 120,000 rows validated in <= 3 minutes on 2 cores.

    .venv/bin/python benchmarks/bench_validate.py                 # build 120k rows in /tmp, run
    .venv/bin/python benchmarks/bench_validate.py --distinct      # every image a distinct file
    .venv/bin/python benchmarks/bench_validate.py --dataset data/raw   # validate an existing one

By default the generated images are hard links to 64 distinct small PNGs (fast to build; the
file system sees 120k names but the page cache holds only 64 files, so disk reads are cheaper
than with real data). ``--distinct`` writes a different PNG per row instead. 0.1% of the rows
point at missing files so the quarantine path runs too.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

import cv2
import numpy as np

WORDS = ("съезд", "Москва", "ёлка", "привет", "мир", "шоссе", "юг", "север", "1917", "года",
         "«да»", "—", "текст", "строка", "Саша", "по", "и", "в", "на", "№5")


def line_png(rng: np.random.Generator, height: int, width: int) -> bytes:
    image = np.full((height, width), int(rng.integers(200, 250)), np.uint8)
    for x in rng.integers(0, width - 4, size=width // 8):
        image[int(rng.integers(2, 8)) : height - int(rng.integers(2, 8)), x : x + 2] = 30
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def build(root: Path, rows: int, distinct: bool, seed: int = 0) -> None:
    """``rows`` labelled PNG lines in ``root`` (images/ + labels.csv)."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    images = root / "images"
    images.mkdir(parents=True)
    pool = [line_png(rng, int(rng.integers(24, 48)), int(rng.integers(120, 400)))
            for _ in range(64)]
    sources = []
    for i, data in enumerate(pool):
        path = root / f"pool_{i}.png"
        path.write_bytes(data)
        sources.append(path)
    missing = set(pick.sample(range(rows), rows // 1000))
    with open(root / "labels.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file name", "text", "class"])
        for i in range(rows):
            name = f"{i // 10000:02d}/{i:06d}.png"
            if i % 10000 == 0:
                (images / name).parent.mkdir()
            if i not in missing:
                if distinct:
                    (images / name).write_bytes(line_png(rng, 32, 256))
                else:
                    os.link(sources[i % len(sources)], images / name)
            text = " ".join(pick.choice(WORDS) for _ in range(pick.randint(1, 5)))
            writer.writerow([name, text, i % 2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--dataset", type=Path, help="Validate this folder instead of building.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crnn_bench_validate"))
    parser.add_argument("--distinct", action="store_true", help="A distinct PNG per row.")
    parser.add_argument("--workers", type=int, default=0, help="0 = one per CPU core.")
    parser.add_argument("--keep", action="store_true", help="Keep the built dataset.")
    args = parser.parse_args(argv)

    from crnn_ocr.config import load_params
    from crnn_ocr.paths import Paths
    from crnn_ocr.stages import validate

    dataset = args.dataset
    if dataset is None:
        shutil.rmtree(args.work, ignore_errors=True)
        dataset = args.work / "dataset"
        start = time.perf_counter()
        build(dataset, args.rows, args.distinct)
        kind = "distinct PNGs" if args.distinct else "hard links to 64 PNGs"
        print(f"built {args.rows} rows ({kind}) in {time.perf_counter() - start:.1f} s")
    paths = Paths.from_root()
    params = load_params(paths.params_file, [f"validation.workers={args.workers}"])
    start = time.perf_counter()
    try:
        result = validate.run(params, paths, dataset, args.work / "validated")
    except validate.ValidationFailed as exc:
        result = exc.result
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows: {result.rows}  good: {result.good}  quarantined: {result.quarantined}  "
          f"passed: {result.passed}")
    print(f"wall: {wall:.1f} s  rows/s: {result.rows / wall:,.0f}  cpus: {os.cpu_count()}  "
          f"workers: {params.validation.workers or os.cpu_count()}")
    print(f"peak RSS: main process {own:.0f} MiB, largest worker {children:.0f} MiB")
    if args.dataset is None and not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
