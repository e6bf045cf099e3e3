"""Benchmark recogniser training on width-bucketed batches against whole canvases, side by side.

Trains the recogniser of the chosen preset on a real array store (default: the project's
``data/arrays``) through the training input pipeline (``stages.ocr_data.dataset``: shuffling,
unpacking, rotation, augmentation if enabled), once with every line on the whole canvas and
once with ``train.ocr.width_step`` buckets, in alternating rounds so machine noise hits both.
Each variant is warmed up first (one trace per bucket width). Prints lines/s per round, the
mean batch width and the ratio of the medians.

    .venv/bin/python benchmarks/bench_train_widths.py --arrays data/arrays --steps 40 --rounds 3
    .venv/bin/python benchmarks/bench_train_widths.py --width-step 64 \\
        -S train.ocr.augment.enabled=true
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class Variant:
    """A compiled recogniser and an endless training stream, whole canvas or bucketed."""

    def __init__(self, store: Any, params: Any, width_step: int | None) -> None:
        from crnn_ocr.inference.widths import time_stride
        from crnn_ocr.models.crnn import build_crnn, with_width
        from crnn_ocr.models.ctc import CtcLoss
        from crnn_ocr.stages import ocr_data
        from crnn_ocr.training.fit import make_optimizer

        cfg = params.train.ocr
        height, width = store.image_shape
        model = build_crnn(cfg.model, (width, height, 1), store.alphabet.num_classes)
        self.model = model if width_step is None else with_width(model, None)
        self.model.compile(optimizer=make_optimizer(cfg),
                           loss=CtcLoss(store.alphabet.blank))
        data = ocr_data.dataset(store, "train", cfg.batch_size, shuffle=True, seed=params.seed,
                                repeat=True, augment=cfg.augment, width_step=width_step,
                                columns_per_frame=time_stride(model))
        self.batches = iter(data)
        self.name = "whole canvas" if width_step is None else f"width_step {width_step}"

    def steps(self, count: int) -> tuple[int, list[int]]:
        """Train ``count`` batches; lines trained and each batch's width."""
        lines, widths = 0, []
        for _ in range(count):
            x, y = next(self.batches)
            self.model.train_on_batch(x, y)
            lines += int(x.shape[0])
            widths.append(int(x.shape[1]))
        return lines, widths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrays", type=Path, default=ROOT / "data" / "arrays",
                        help="array store to train from (`crnn-ocr preprocess` output)")
    parser.add_argument("--width-step", type=int, default=128, help="bucket step (pixels)")
    parser.add_argument("--steps", type=int, default=40, help="timed batches per round")
    parser.add_argument("--warmup", type=int, default=24, help="untimed batches first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-S", "--set", dest="sets", action="append", default=[],
                        help="params override, e.g. -S preset=seed")
    args = parser.parse_args()

    from crnn_ocr.arrays import ArrayStore
    from crnn_ocr.config import load_params
    from crnn_ocr.training.fit import configure_tensorflow

    if not (args.arrays / "index.json").is_file():
        raise SystemExit(f"{args.arrays}: no array store (run `crnn-ocr preprocess`)")
    params = load_params(ROOT / "params.yaml", args.sets)
    configure_tensorflow(args.threads, params.seed)
    store = ArrayStore(args.arrays)
    variants = [Variant(store, params, None), Variant(store, params, args.width_step)]
    print(f"recogniser training, {store.size('train')} train lines of "
          f"{store.image_shape[0]}x{store.image_shape[1]}, batch {params.train.ocr.batch_size}, "
          f"{args.threads} threads, {args.steps} timed steps x {args.rounds} rounds")
    for variant in variants:
        variant.steps(args.warmup)
    speeds: dict[str, list[float]] = {v.name: [] for v in variants}
    for round_number in range(1, args.rounds + 1):
        for variant in variants:
            start = time.perf_counter()
            lines, widths = variant.steps(args.steps)
            speed = lines / (time.perf_counter() - start)
            speeds[variant.name].append(speed)
            print(f"round {round_number} {variant.name:>16}: {speed:7.1f} lines/s  "
                  f"mean batch width {statistics.fmean(widths):5.1f} px", flush=True)
    medians = [statistics.median(speeds[v.name]) for v in variants]
    print(f"median lines/s: whole canvas {medians[0]:.1f}, {variants[1].name} {medians[1]:.1f} "
          f"= {medians[1] / medians[0]:.2f}x")


if __name__ == "__main__":
    main()
