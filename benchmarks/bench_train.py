"""Benchmark classifier training throughput: train-step samples/s for each preset.

Random {0, 1} images of the preset's input size (preprocess.height x width), the preset's
batch size and architecture, ``model.train_on_batch`` after warm-up steps. Prints one line per
preset. Data loading is not included (see benchmarks/bench_tfdata.py for the input pipeline).

    .venv/bin/python benchmarks/bench_train.py                    # cpu and seed presets
    .venv/bin/python benchmarks/bench_train.py --presets cpu --steps 50 --threads 2
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench(preset: str, steps: int, warmup: int, threads: int) -> dict[str, float]:
    import numpy as np

    from crnn_ocr.config import load_params
    from crnn_ocr.models.classifier import build_classifier, compile_classifier
    from crnn_ocr.training.fit import configure_tensorflow, make_optimizer

    params = load_params(ROOT / "params.yaml", [f"preset={preset}"])
    cfg = params.train.classifier
    configure_tensorflow(threads, params.seed)
    shape = (params.preprocess.height, params.preprocess.width)
    model = build_classifier(cfg, shape)
    compile_classifier(model, make_optimizer(cfg))
    rng = np.random.default_rng(0)
    x = (rng.random((cfg.batch_size, *shape, 1)) < 0.1).astype(np.float32)
    y = rng.integers(0, 2, cfg.batch_size).astype(np.int32)
    for _ in range(warmup):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    elapsed = time.perf_counter() - start
    return {
        "samples_per_s": steps * cfg.batch_size / elapsed,
        "step_ms": 1000 * elapsed / steps,
        "batch_size": cfg.batch_size,
        "params": model.count_params(),
        "height": shape[0],
        "width": shape[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["cpu", "seed"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"train-step throughput, {args.threads} threads, {args.steps} timed steps")
    for preset in args.presets:
        r = bench(preset, args.steps, args.warmup, args.threads)
        print(
            f"{preset:>5}: {r['samples_per_s']:8.1f} samples/s  {r['step_ms']:7.1f} ms/step  "
            f"batch {r['batch_size']}  input {r['height']}x{r['width']}  "
            f"{r['params']:,} params"
        )


if __name__ == "__main__":
    main()
