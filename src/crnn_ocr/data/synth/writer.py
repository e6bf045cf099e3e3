"""Render a whole synthetic dataset in parallel: ``images/`` + ``labels.csv``.

Line ``i`` uses its own RNG seeded by ``(seed, i)``, so the dataset is byte-identical for a given
seed whatever the number of workers. Workers write image files themselves and send back only the
CSV row; the parent writes rows in index order as they stream in, so memory stays flat. The
folder is built under a temporary name and renamed at the end (a killed run leaves no dataset).
"""

from __future__ import annotations

import contextlib
import csv
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.core.codec import MODERN_RUSSIAN, normalize_text
from crnn_ocr.data.synth.fonts import FontRegistry, FontSpec
from crnn_ocr.data.synth.render import encode, render_line
from crnn_ocr.data.synth.text import TextGenerator
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_dir

LABEL_COLUMNS = ("file name", "text", "class", "source", "font")
SOURCE = "synth"
CHUNK = 32
TEXT_ATTEMPTS = 20


@dataclass(frozen=True)
class SynthResult:
    """What was written (small values only, safe to pass between Prefect tasks)."""

    out_dir: Path
    rows: int
    handwritten: int
    printed: int
    jpeg: int
    seconds: float
    fonts_missing: dict[str, str] = field(default_factory=dict)


Row = tuple[str, str, int, str]
"""A labels.csv row without its source: file name, text, class, font (file stem)."""


def font_name(font: FontSpec) -> str:
    """The ``font`` column value: the font file's stem, e.g. ``PTSans_400Regular_Italic``."""
    return font.path.stem


class LineMaker:
    """Everything a process needs to turn a line index into a labels row and image bytes."""

    def __init__(self, params: SynthParams, registry: FontRegistry) -> None:
        self.params = params
        self.registry = registry
        self.texts = TextGenerator(params.text, registry.charset)
        self.digits = max(6, len(str(params.size)))
        text = params.text
        self.period_everywhere = text.pre_reform_fraction > 0 and text.period_fonts == "all_lines"

    def make(self, index: int) -> tuple[Row, bytes]:
        rng = np.random.default_rng([self.params.seed, index])
        cls = int(rng.random() < self.params.handwritten_fraction)
        for _ in range(TEXT_ATTEMPTS):
            text, pre_reform = self.texts.spelling(self.texts.generate(rng), rng)
            font = self.registry.choose(text, cls, rng,
                                        pre_reform=pre_reform or self.period_everywhere)
            if font is not None:
                break
        else:
            raise DataError(
                f"line {index}: no class-{cls} font covers {TEXT_ATTEMPTS} drawn texts "
                "(see the font coverage warnings)"
            )
        line = render_line(text, font, cls, rng, self.params)
        name = f"synth_{index + 1:0{self.digits}d}.{line.ext}"
        return (name, text, cls, font_name(font)), encode(line)


_MAKER: LineMaker | None = None
_IMAGES: Path | None = None


def _init_worker(params: SynthParams, registry: FontRegistry, images: Path) -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already; threads would only contend
    global _MAKER, _IMAGES
    _MAKER, _IMAGES = LineMaker(params, registry), images


def _render_chunk(indices: range) -> list[Row]:
    assert _MAKER is not None and _IMAGES is not None
    rows = []
    for index in indices:
        row, data = _MAKER.make(index)
        (_IMAGES / row[0]).write_bytes(data)
        rows.append(row)
    return rows


def render_texts(lines: Sequence[tuple[str, int]], params: SynthParams, out_dir: str | Path,
                 fonts_dir: str | Path) -> SynthResult:
    """Render given ``(text, class)`` lines into a dataset (same layout as :func:`render_dataset`).

    For custom corpora and round-trip tests. Line ``i`` uses RNG ``(params.seed, i)`` for the font
    and degradations. Raises DataError when no font of the class covers a text.
    """
    started = time.perf_counter()
    registry = FontRegistry.load(fonts_dir, MODERN_RUSSIAN)
    digits = max(6, len(str(len(lines))))
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        (tmp / "images").mkdir()
        with (tmp / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(LABEL_COLUMNS)
            for index, (raw, cls) in enumerate(lines):
                text = normalize_text(raw)
                rng = np.random.default_rng([params.seed, index])
                font = registry.choose(text, cls, rng)
                if font is None:
                    raise DataError(f"line {index}: no class-{cls} font covers {text!r}")
                line = render_line(text, font, cls, rng, params)
                name = f"synth_{index + 1:0{digits}d}.{line.ext}"
                (tmp / "images" / name).write_bytes(encode(line))
                writer.writerow((name, text, cls, SOURCE, font_name(font)))
    handwritten = sum(cls for _, cls in lines)
    return SynthResult(out_dir, len(lines), handwritten, len(lines) - handwritten,
                       sum(1 for p in (out_dir / "images").iterdir() if p.suffix == ".jpg"),
                       time.perf_counter() - started, registry.missing_report())


def _chunks(size: int) -> Iterator[range]:
    for start in range(0, size, CHUNK):
        yield range(start, min(size, start + CHUNK))


def resolve_workers(workers: int) -> int:
    return workers if workers > 0 else (os.cpu_count() or 1)


@contextlib.contextmanager
def _sigint_between_chunks() -> Iterator[Callable[[], None]]:
    """Turn SIGINT into a KeyboardInterrupt raised by the returned check, between chunks.

    A KeyboardInterrupt raised the default way can land inside a Python callback that PIL's
    C font renderer calls; once in CI a SIGINT'd run went on, most likely because the interrupt
    got lost there. A flag set by our handler cannot be lost, and the loop checks it after
    every chunk (32 lines).
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    hits: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: hits.append(signum))

    def check() -> None:
        if hits:
            raise KeyboardInterrupt

    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)


def render_dataset(params: SynthParams, out_dir: str | Path, fonts_dir: str | Path,
                   workers: int = 0, progress: bool = True) -> SynthResult:
    """Render ``params.size`` lines into ``out_dir`` (replaced atomically on success)."""
    from tqdm import tqdm

    started = time.perf_counter()
    registry = FontRegistry.load(fonts_dir, MODERN_RUSSIAN)
    workers = min(resolve_workers(workers), max(1, -(-params.size // CHUNK)))
    counts = {"rows": 0, "handwritten": 0, "jpeg": 0}
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        images = tmp / "images"
        images.mkdir()
        bar = tqdm(total=params.size, unit="line", desc="synth", disable=not progress)
        with (tmp / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(LABEL_COLUMNS)
            if workers == 1:
                _init_worker(params, registry, images)
                results: Iterator[list[Row]] = map(
                    _render_chunk, _chunks(params.size)
                )
                pool = None
            else:
                pool = mp.get_context("spawn").Pool(
                    workers, initializer=_init_worker, initargs=(params, registry, images)
                )
                results = pool.imap(_render_chunk, _chunks(params.size))
            try:
                with _sigint_between_chunks() as check_interrupt:
                    for rows in results:
                        check_interrupt()
                        for name, text, cls, font in rows:
                            writer.writerow((name, text, cls, SOURCE, font))
                            counts["rows"] += 1
                            counts["handwritten"] += cls
                            counts["jpeg"] += name.endswith(".jpg")
                        bar.update(len(rows))
                    check_interrupt()
            finally:
                if pool is not None:
                    pool.terminate()
                    pool.join()
                bar.close()
    return SynthResult(
        out_dir=out_dir,
        rows=counts["rows"],
        handwritten=counts["handwritten"],
        printed=counts["rows"] - counts["handwritten"],
        jpeg=counts["jpeg"],
        seconds=time.perf_counter() - started,
        fonts_missing=registry.missing_report(),
    )
