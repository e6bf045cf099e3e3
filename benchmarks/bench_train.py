"""Benchmark training throughput: train-step samples/s of each model for each preset.

Random {0, 1} images of the preset's input size (preprocess.height x width), the preset's
batch size and architecture, ``model.train_on_batch`` after warm-up steps; the recogniser gets
random 30-character labels and the CTC loss it trains with. Prints one line per model and
preset, so architectures can be compared side by side in one run (``-S`` applies to all).
Data loading is not included (see benchmarks/bench_tfdata.py for the input pipeline).

    .venv/bin/python benchmarks/bench_train.py                    # both models, cpu and seed
    .venv/bin/python benchmarks/bench_train.py --models ocr --presets cpu --steps 20 \\
        -S train.ocr.model.lstm_units=64
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABEL_CHARS = 30


def build(model_name: str, params: Any) -> tuple[Any, Any, Any, int]:
    """The compiled model, a random batch (x, y) and the batch size."""
    import numpy as np

    from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
    from crnn_ocr.training.fit import make_optimizer

    rng = np.random.default_rng(0)
    height, width = params.preprocess.height, params.preprocess.width
    if model_name == "classifier":
        from crnn_ocr.models.classifier import build_classifier, compile_classifier

        cfg = params.train.classifier
        model = build_classifier(cfg, (height, width))
        compile_classifier(model, make_optimizer(cfg))
        x = (rng.random((cfg.batch_size, height, width, 1)) < 0.1).astype(np.float32)
        y = rng.integers(0, 2, cfg.batch_size).astype(np.int32)
        return model, x, y, cfg.batch_size

    from crnn_ocr.models.crnn import build_crnn, time_steps
    from crnn_ocr.models.ctc import CtcLoss

    cfg = params.train.ocr
    alphabet = Alphabet.from_charset(MODERN_RUSSIAN)
    model = build_crnn(cfg.model, (width, height, 1), alphabet.num_classes)
    model.compile(optimizer=make_optimizer(cfg),
                  loss=CtcLoss(alphabet.blank))
    x = (rng.random((cfg.batch_size, width, height, 1)) < 0.1).astype(np.float32)
    chars = min(LABEL_CHARS, time_steps(model) // 2)
    y = np.full((cfg.batch_size, time_steps(model)), alphabet.blank, dtype=np.int32)
    y[:, :chars] = rng.integers(0, len(alphabet), (cfg.batch_size, chars))
    return model, x, y, cfg.batch_size


def bench(model_name: str, preset: str, sets: list[str], steps: int, warmup: int,
          threads: int) -> dict[str, float]:
    import keras

    from crnn_ocr.config import load_params
    from crnn_ocr.training.fit import configure_tensorflow

    params = load_params(ROOT / "params.yaml", [f"preset={preset}", *sets])
    configure_tensorflow(threads, params.seed)
    model, x, y, batch_size = build(model_name, params)
    for _ in range(warmup):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    elapsed = time.perf_counter() - start
    result = {
        "samples_per_s": steps * batch_size / elapsed,
        "step_ms": 1000 * elapsed / steps,
        "batch_size": batch_size,
        "params": model.count_params(),
        "height": params.preprocess.height,
        "width": params.preprocess.width,
    }
    keras.backend.clear_session()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=["classifier", "ocr"],
                        default=["classifier", "ocr"])
    parser.add_argument("--presets", nargs="+", default=["cpu", "seed"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-S", "--set", dest="sets", action="append", default=[],
                        help="params override for every run, e.g. -S train.ocr.batch_size=32")
    args = parser.parse_args()
    print(f"train-step throughput, {args.threads} threads, {args.steps} timed steps")
    for model_name in args.models:
        for preset in args.presets:
            r = bench(model_name, preset, args.sets, args.steps, args.warmup, args.threads)
            print(
                f"{model_name:>10} {preset:>5}: {r['samples_per_s']:8.1f} samples/s  "
                f"{r['step_ms']:7.1f} ms/step  batch {r['batch_size']}  "
                f"input {r['height']}x{r['width']}  {r['params']:,} params",
                flush=True,
            )


if __name__ == "__main__":
    main()
