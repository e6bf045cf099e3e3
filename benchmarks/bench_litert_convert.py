"""LiteRT conversion time of the recogniser at every read width: one process vs side by side.

A registered model ships the recogniser at each width a line can be read at (8 for the cpu
preset's 32x1024 canvas, ``inference.width_step: 128``), and each conversion keeps one core busy
for 10-55 s. Untrained weights convert in the same time as trained ones, so this needs no data:

    .venv/bin/python benchmarks/bench_litert_convert.py [--presets cpu] [--workers 0]
        [-S preprocess.width=512]

Both runs start from an empty cache and print their wall time and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def convert_all(preset: str, sets: list[str], workers: int) -> tuple[float, float, int]:
    """Seconds to convert every width in one process and in ``workers`` processes."""
    from crnn_ocr.config import load_params
    from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
    from crnn_ocr.inference import litert
    from crnn_ocr.inference import widths as read_widths
    from crnn_ocr.models.crnn import build_crnn

    params = load_params(ROOT / "params.yaml", [f"preset={preset}", *sets])
    height, width = params.preprocess.height, params.preprocess.width
    model = build_crnn(params.train.ocr.model, (width, height, 1),
                       Alphabet.from_charset(MODERN_RUSSIAN).num_classes)
    models = read_widths.variants(model, params.inference.width_step)
    seconds = []
    for processes in (1, workers):
        with tempfile.TemporaryDirectory(prefix="bench-litert-") as cache:
            start = time.perf_counter()
            litert.flatbuffers(models, params.inference.quantize, cache=Path(cache),
                               workers=processes)
            seconds.append(time.perf_counter() - start)
    return seconds[0], seconds[1], len(models)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["cpu"])
    parser.add_argument("--workers", type=int, default=0,
                        help="processes of the side-by-side run (0 = one per core)")
    parser.add_argument("-S", "--set", dest="sets", action="append", default=[],
                        help="params override, e.g. -S preprocess.width=512")
    args = parser.parse_args()
    for preset in args.presets:
        serial, parallel, count = convert_all(preset, args.sets, args.workers)
        print(f"{preset}: {count} widths, one process {serial:.1f} s, side by side "
              f"{parallel:.1f} s ({serial / parallel:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
