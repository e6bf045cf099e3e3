"""Recogniser inference speed: lines/s of model + CTC decoding at batch 64, for each preset.

Untrained weights run at the same speed as trained ones, so this needs no data:

    .venv/bin/python benchmarks/bench_ocr_inference.py [--presets cpu seed] [--batches 5]
        [--threads 2] [--strategy greedy] [--backends keras litert] [--xla]
        [-S train.ocr.model.lstm_units=96]

keras runs the model as a TensorFlow graph (optionally XLA-compiled), litert as its LiteRT copy
with the LSTMs unrolled (crnn_ocr.inference.litert; converted once per run, not timed),
litert-int8 as that copy with dynamic-range int8 weights (``inference.quantize``).

Target: >= 500 lines/s for the cpu preset on 2 cores (greedy decoding included).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def bench(
    preset: str,
    sets: list[str],
    batches: int,
    batch_size: int,
    strategy: str,
    jit: bool,
    backend: str,
    threads: int,
) -> None:
    import tempfile

    import keras
    import tensorflow as tf

    from crnn_ocr.config import load_params
    from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
    from crnn_ocr.models.crnn import build_crnn, time_steps
    from crnn_ocr.models.ctc import decode
    from crnn_ocr.paths import Paths

    params = load_params(Paths.from_root().params_file, [f"preset={preset}", *sets])
    pre, cfg = params.preprocess, params.train.ocr
    alphabet = Alphabet.from_charset(MODERN_RUSSIAN)
    model = build_crnn(cfg.model, (pre.width, pre.height, 1), alphabet.num_classes)
    if backend.startswith("litert"):
        from crnn_ocr.inference import litert

        quantize = "dynamic_range" if backend == "litert-int8" else "none"
        with tempfile.TemporaryDirectory() as cache:
            blob = litert.flatbuffer(model, Path(cache), quantize=quantize)
            predict = litert.LiteRtFunction(blob, threads)
    else:
        predict = tf.function(lambda x: model(x, training=False), jit_compile=jit)
    rng = np.random.default_rng(0)
    images = (rng.random((batch_size, pre.width, pre.height, 1)) > 0.9).astype(np.float32)
    decode(np.asarray(predict(images)), alphabet, strategy)  # warm-up: tracing, allocations
    model_s = decode_s = 0.0
    for _ in range(batches):
        t0 = time.perf_counter()
        probs = np.asarray(predict(images))
        t1 = time.perf_counter()
        decode(probs, alphabet, strategy)
        t2 = time.perf_counter()
        model_s, decode_s = model_s + t1 - t0, decode_s + t2 - t1
    lines = batches * batch_size
    print(
        f"preset={preset} input={pre.width}x{pre.height} params={model.count_params():,} "
        f"time_steps={time_steps(model)} batch={batch_size} strategy={strategy} "
        f"backend={backend}{' xla' if jit and backend == 'keras' else ''}: "
        f"{lines / (model_s + decode_s):.0f} lines/s "
        f"(model {lines / model_s:.0f} lines/s, decode {lines / decode_s:.0f} lines/s)",
        flush=True,
    )
    keras.backend.clear_session()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["cpu", "seed"])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="TF intra/inter-op threads.")
    parser.add_argument("--strategy", choices=["greedy", "beam_search"], default="greedy")
    parser.add_argument("--xla", action="store_true", help="keras backend: compile with XLA.")
    parser.add_argument("--backends", nargs="+", choices=["keras", "litert", "litert-int8"],
                        default=["keras", "litert", "litert-int8"])
    parser.add_argument("-S", "--set", dest="sets", action="append", default=[])
    args = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    for preset in args.presets:
        for backend in args.backends:
            bench(preset, args.sets, args.batches, args.batch_size, args.strategy, args.xla,
                  backend, args.threads)


if __name__ == "__main__":
    main()
