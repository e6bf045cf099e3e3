"""Our models against Tesseract 5 on the same images, cores and scoring, in one run.

Fairness: both read the same image files (lines our reader refuses are dropped for both);
both are scored by ``crnn_ocr.core.metrics``; both use every core (our decode threads +
TensorFlow's thread pool; Tesseract as one single-threaded process per core). Our models are
warmed up on one batch before the clock starts (graph tracing is a one-off per process);
Tesseract's per-process model loading is amortised over chunks of images.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from crnn_ocr.core import metrics
from crnn_ocr.inference import tesseract
from crnn_ocr.inference.recognizer import Failure, Prediction, Recognizer
from crnn_ocr.inference.sources import Inputs

TARGET_LINES_PER_S = 500.0
TARGET_SPEED_RATIO = 7.0


@dataclass
class EngineResult:
    """Speed and scores of one engine on the benchmark lines."""

    name: str
    seconds: float
    lines: int
    failed: int
    overall: metrics.Scores
    by_class: dict[str, metrics.Scores]

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "lines": self.lines,
            "failed": self.failed,
            "lines_per_s": self.lines_per_s,
            "overall": self.overall.as_dict(),
            "by_class": {k: v.as_dict() for k, v in self.by_class.items()},
        }


@dataclass
class BenchResult:
    """Both engines on the same lines; ``tesseract`` is None with ``skipped`` saying why."""

    lines: int
    skipped: list[Failure]
    cores: int
    ours: EngineResult
    tesseract: EngineResult | None = None
    tesseract_skipped: str | None = None
    tesseract_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ratios(self) -> dict[str, float]:
        """ours/tesseract speed, and tesseract/ours CER (> 1 means we are better), per class."""
        if self.tesseract is None:
            return {}
        out = {"speed": self.ours.lines_per_s / self.tesseract.lines_per_s}
        groups = {"all": (self.ours.overall, self.tesseract.overall)}
        groups.update(
            {k: (v, self.tesseract.by_class[k]) for k, v in self.ours.by_class.items()}
        )
        for name, (ours, tess) in groups.items():
            out[f"cer_{name}"] = tess.cer / ours.cer if ours.cer > 0 else float("inf")
        return out

    def targets(self) -> list[tuple[str, bool | None, str]]:
        """The acceptance targets: (what, met or None when not measurable, measured value)."""
        ratios = self.ratios()
        out: list[tuple[str, bool | None, str]] = [
            (f"ours >= {TARGET_LINES_PER_S:.0f} lines/s",
             self.ours.lines_per_s >= TARGET_LINES_PER_S, f"{self.ours.lines_per_s:.1f}"),
        ]
        if self.tesseract is None:
            return out
        out.append((f"ours >= {TARGET_SPEED_RATIO:.0f}x tesseract lines/s",
                    ratios["speed"] >= TARGET_SPEED_RATIO, f"{ratios['speed']:.2f}x"))
        if "class_0" in self.ours.by_class:
            ours, tess = self.ours.by_class["class_0"].cer, self.tesseract.by_class["class_0"].cer
            out.append(("printed CER below tesseract's", ours < tess,
                        f"{ours:.2%} vs {tess:.2%}"))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "skipped": [{"id": f.id, "reason": f.reason} for f in self.skipped],
            "cores": self.cores,
            "ours": self.ours.as_dict(),
            "tesseract": self.tesseract.as_dict() if self.tesseract else None,
            "tesseract_skipped": self.tesseract_skipped,
            "tesseract_version": self.tesseract_version,
            "ratios": self.ratios(),
            "targets": [{"target": t, "met": m, "value": v} for t, m, v in self.targets()],
            **self.extra,
        }


def _score(name: str, seconds: float, truths: list[str], texts: list[str], classes: list[int],
           failed: int) -> EngineResult:
    keys = [f"class_{c}" for c in classes]
    return EngineResult(
        name, seconds, len(texts), failed, metrics.score(truths, texts),
        metrics.score_by(truths, texts, keys),
    )


def run_ours(recognizer: Recognizer, inputs: Inputs) -> tuple[list[Prediction], list[Failure],
                                                              float]:
    """Predictions for every path, failures, and the timed seconds (after one warm-up batch).

    The recogniser is built at every width first: a width that the warm-up batch happens not
    to use would otherwise be converted to LiteRT (10-35 s) inside the timed run.
    """
    recognizer.prepare_widths()
    warm = inputs.paths[: recognizer.batch_size]
    recognizer.predict_paths(warm)
    start = time.perf_counter()
    results = recognizer.predict_paths(inputs.paths)
    seconds = time.perf_counter() - start
    predictions = [r for r in results if isinstance(r, Prediction)]
    failures = [r for r in results if isinstance(r, Failure)]
    return predictions, failures, seconds


def run(
    recognizer: Recognizer,
    inputs: Inputs,
    lang: str = "rus",
    psm: int = 7,
    workers: int = 0,
    timeout_s: float = 60.0,
    with_tesseract: bool = True,
) -> BenchResult:
    """Benchmark on labelled ``inputs`` (every path must have ground truth)."""
    cores = workers or os.cpu_count() or 1
    predictions, failures, seconds = run_ours(recognizer, inputs)
    truth = [inputs.truth[p.id] for p in predictions]
    texts = [t.text for t in truth]
    classes = [t.cls for t in truth]
    ours = _score("crnn-ocr", seconds, texts, [p.text for p in predictions], classes, 0)
    result = BenchResult(len(predictions), failures, cores, ours)
    if not with_tesseract:
        result.tesseract_skipped = "disabled (--no-tesseract)"
        return result
    try:
        binary = tesseract.check_available(lang)
    except tesseract.TesseractUnavailable as exc:
        result.tesseract_skipped = str(exc)
        return result
    result.tesseract_version = tesseract.version(binary)
    start = time.perf_counter()
    read = tesseract.recognise([p.id for p in predictions], lang, psm, cores, timeout_s)
    tess_seconds = time.perf_counter() - start
    failed = sum(r is None for r in read)
    tess_texts = [r or "" for r in read]  # a failed line scores as an empty reading
    result.tesseract = _score("tesseract", tess_seconds, texts, tess_texts, classes, failed)
    return result
