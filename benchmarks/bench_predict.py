"""End-to-end predict speed: lines/s from image files to text, batch 64, all cores.

Counts everything `crnn-ocr predict` does per line: reading and decoding the file (thread
pool), preprocessing (resize + threshold + rotate), the classifier, the CRNN and CTC decoding.
Then it times each part alone so a slow part is easy to find.

    .venv/bin/python benchmarks/bench_predict.py                      # cpu preset, random init
    .venv/bin/python benchmarks/bench_predict.py --model models:/crnn-ocr@champion
    .venv/bin/python benchmarks/bench_predict.py --images ../shared/data/real/images --n 2048
    .venv/bin/python benchmarks/bench_predict.py --backends litert   # one backend only

The inference backends (keras: TensorFlow; litert: the LiteRT copies with unrolled LSTMs;
litert-int8: the same with dynamic-range int8 weights, ``inference.quantize``; -canvas: every
line read on the whole canvas, not at its width, ``inference.width_step``) run on the same
files in one run, and each one's ratio to the first is printed. The first litert run of a model
version converts it at every width (not timed: the warm-up).

Without --model the models are the cpu preset's, built by the real builders with RANDOM
weights: the speed is the same as trained models' (same layers, same shapes; greedy CTC
decoding of noise can emit more characters than a trained model, which is only slightly slower).
Without --images it writes N synthetic line PNGs (22-60 px high, 120-900 px wide) to a temp dir.

Target (cpu preset, 2 cores): >= 500 lines/s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

TARGET_LINES_PER_S = 500
# name -> Recognizer options (width_step: the params default unless given)
VARIANTS: dict[str, dict[str, Any]] = {
    "keras": {"backend": "keras"},
    "litert": {"backend": "litert", "quantize": "none"},  # float32 (int8 is the default)
    "litert-int8": {"backend": "litert", "quantize": "dynamic_range"},
    "litert-int8-canvas": {"backend": "litert", "quantize": "dynamic_range", "width_step": None},
}


def write_lines(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` line-like PNGs of varied size (dark strokes on light, noisy paper)."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        h, w = int(rng.integers(22, 61)), int(rng.integers(120, 901))
        img = rng.normal(225, 12, (h, w)).clip(0, 255).astype(np.uint8)
        for x in range(4, w - 10, int(rng.integers(6, 14))):
            cv2.line(img, (x, h - 4), (x + int(rng.integers(1, 8)), 4), int(rng.integers(0, 60)), 2)
        path = folder / f"line_{i:05d}.png"
        cv2.imwrite(str(path), img)
        paths.append(path)
    return paths


def timed(fn, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="bundle folder, a project's models/ folder (read with "
                        "params.yaml's preprocessing) or MLflow URI (default: random cpu preset)")
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--images", type=Path, help="folder of line images (default: synthetic)")
    parser.add_argument("--n", type=int, default=2048, help="lines to read")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--backends", nargs="+", choices=list(VARIANTS),
                        default=list(VARIANTS), help="inference backends to time")
    args = parser.parse_args()

    from crnn_ocr import Recognizer
    from crnn_ocr.config import load_params
    from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
    from crnn_ocr.core.preprocess_settings import PreprocessSettings
    from crnn_ocr.inference.bundle import build_untrained_bundle, project_models
    from crnn_ocr.paths import Paths

    with tempfile.TemporaryDirectory(prefix="bench-predict-") as tmp:
        work = Path(tmp)
        model = args.model
        source = model
        if not model:
            params = load_params(Paths.from_root().params_file, [f"preset={args.preset}"])
            model = work / "bundle"
            build_untrained_bundle(params, model, Alphabet.from_charset(MODERN_RUSSIAN))
            source = f"{args.preset} preset, RANDOM weights"
        if args.images:
            paths = sorted(p for p in args.images.iterdir() if p.is_file())[: args.n]
        else:
            (work / "lines").mkdir()
            paths = write_lines(work / "lines", args.n)
        project_pre = None  # a project's models/ folder is read with its params' settings
        if project_models(model) is not None:
            params = load_params(Paths.from_root().params_file, [f"preset={args.preset}"])
            project_pre = PreprocessSettings.from_params(params.preprocess)
        speeds = {}
        for name in args.backends:
            options = {"batch_size": args.batch_size, **VARIANTS[name]}
            if project_pre is not None:
                recognizer = Recognizer.from_project_models(model, project_pre, **options)
            else:
                recognizer = Recognizer.load(model, **options)
            speeds[name] = bench_one(recognizer, paths, source, name)
        first, *others = args.backends
        for name in others:
            print(f"{name} / {first} end to end: {speeds[name] / speeds[first]:.2f}x")


def bench_one(  # type: ignore[no-untyped-def]
    recognizer, paths: list[Path], source: str, name: str
) -> float:
    """Print end-to-end lines/s and each part's; return the end-to-end speed."""
    from crnn_ocr.inference.images import read_image
    from crnn_ocr.inference.recognizer import WINDOW_BATCHES, _as_input

    pre = recognizer.preprocess
    print(f"[{name}] model: {source}; input {pre.height}x{pre.width}; batch "
          f"{recognizer.batch_size}; {os.cpu_count()} cores; {recognizer.workers} decode "
          f"threads; {len(paths)} lines")

    used = recognizer.prepare_widths()  # warm-up: conversions, graph tracing
    recognizer.predict_paths(paths[: recognizer.batch_size])
    print(f"  recogniser widths: {used}")
    total = timed(lambda: recognizer.predict_paths(paths))
    end_to_end = len(paths) / total
    verdict = "meets" if end_to_end >= TARGET_LINES_PER_S else "BELOW"
    print(f"end to end: {end_to_end:8.1f} lines/s ({total:.2f} s) -> {verdict} the target "
          f"of {TARGET_LINES_PER_S} lines/s")

    # The parts alone (one batch repeated), to see where the time goes.
    batch = paths[: recognizer.batch_size]
    n = len(batch)
    images = [read_image(p) for p in batch]
    decode_s = timed(lambda: [read_image(p) for p in batch], 3)
    prep = [recognizer._load_one(lambda im=im: im) for im in images]
    prep_s = timed(lambda: [recognizer._load_one(lambda im=im: im) for im in images], 3)
    flat = _as_input([line.flat for line in prep], pre.target_size)
    rotated = _as_input([r for line in prep for r in line.rotated][:n],  # long lines: pieces
                        (pre.width, pre.height))
    cls_s = timed(lambda: recognizer._classify(flat), 5)
    whole_canvas = recognizer.reader(pre.width)
    probs = whole_canvas(rotated)
    ocr_s = timed(lambda: whole_canvas(rotated), 5)
    ctc_s = timed(lambda: recognizer.decode(probs), 5)
    # At the lines' widths: one window of lines, as predict reads them (a single batch split
    # into width groups would time small batches, which a window avoids).
    window = [read_image(p) for p in paths[: recognizer.batch_size * WINDOW_BATCHES]]
    loaded = [recognizer._load_one(lambda im=im: im) for im in window]
    pieces = [r for line in loaded for r in line.rotated]
    widths = [w for line in loaded for w in line.widths]
    sized_s = timed(lambda: recognizer._read_pieces(pieces, widths), 3) * n / len(window)
    for part, secs, note in [
        ("read+decode file", decode_s, "1 thread"),
        ("preprocess", prep_s, "1 thread"),
        ("classifier", cls_s, name),
        ("CRNN", ocr_s, f"{name}, whole canvas"),
        ("CTC decoding", ctc_s, recognizer.decoding),
        ("CRNN + CTC", sized_s, f"a window of {len(window)} lines at their widths, "
                                f"{len(pieces) / len(window):.2f} pieces/line, mean "
                                f"{np.mean(widths):.0f} px"),
    ]:
        print(f"  {part:17s} {n / secs:9.1f} lines/s  ({note})")
    return end_to_end


if __name__ == "__main__":
    main()
