"""Synthetic generator speed, memory and character coverage.

Renders N lines with all cores into a temporary folder (deleted afterwards, unless --keep):

    .venv/bin/python benchmarks/bench_synth.py [--size 120000] [--workers 0] [--seed 42]
        [--keep DIR] [-S data.synth.render.jpeg_fraction=0.2]

Prints lines/s, wall time, CPU time per line (what the rate would be on idle cores), peak
RSS of the whole process tree (this process + the largest worker, from getrusage), disk use,
the rarest alphabet characters and the class shares.
Targets on 2 cores: 120k lines <= 10 min, peak RSS <= 2 GB, every character >= 200 times,
handwritten share 45-55%.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=120_000)
    parser.add_argument("--workers", type=int, default=0, help="0 = one per core")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write the dataset here and keep it")
    parser.add_argument("-S", "--set", dest="sets", action="append", default=[])
    args = parser.parse_args()

    from crnn_ocr.config import load_params
    from crnn_ocr.core.codec import MODERN_RUSSIAN
    from crnn_ocr.data.synth import render_dataset
    from crnn_ocr.data.synth.writer import resolve_workers
    from crnn_ocr.paths import Paths

    paths = Paths.from_root(Path(__file__).resolve().parents[1])
    params = load_params(paths.params_file, args.sets).data.synth
    params = params.model_copy(update={"size": args.size, "seed": args.seed})
    workers = resolve_workers(args.workers)
    scratch = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    out = args.keep or scratch / "ds"
    try:
        started = time.perf_counter()
        result = render_dataset(params, out, paths.fonts, workers=workers, progress=True)
        wall = time.perf_counter() - started
        me, kids = (resource.getrusage(who) for who in
                    (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        self_rss, child_rss = me.ru_maxrss / 1024, kids.ru_maxrss / 1024
        cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        disk = sum(p.stat().st_size for p in (out / "images").iterdir()) / 2**20

        counts: Counter[str] = Counter()
        with open(out / "labels.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                counts.update(row["text"])
        alphabet = sorted(set(MODERN_RUSSIAN), key=lambda ch: counts[ch])
        below = [ch for ch in alphabet if counts[ch] < 200]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"lines:            {result.rows} ({workers} workers)")
    print(f"wall time:        {wall:.1f} s")
    print(f"throughput:       {result.rows / wall:.1f} lines/s")
    # On a shared machine wall time includes waiting for the CPU; CPU time does not.
    print(f"CPU time:         {cpu:.0f} s = {1000 * cpu / max(result.rows, 1):.2f} ms/line -> "
          f"{result.rows / max(cpu / workers, 1e-9):.0f} lines/s on {workers} free cores")
    print(f"peak RSS:         parent {self_rss:.0f} MiB, largest worker {child_rss:.0f} MiB, "
          f"tree <= {self_rss + workers * child_rss:.0f} MiB")
    print(f"disk:             {disk:.0f} MiB images ({result.jpeg} JPEG)")
    print(f"handwritten:      {result.handwritten / max(result.rows, 1):.1%} "
          f"(printed {result.printed / max(result.rows, 1):.1%})")
    print("rarest chars:     " + ", ".join(f"{ch!r}×{counts[ch]}" for ch in alphabet[:10]))
    print(f"min count:        {counts[alphabet[0]]} (chars below 200: {''.join(below) or 'none'})")


if __name__ == "__main__":
    main()
