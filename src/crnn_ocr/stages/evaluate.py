"""Stage ``evaluate``: score the trained CRNN on the test split and on an extra real dataset.

Outputs ``reports/evaluate/``: ``metrics.json`` (flat, for ``dvc metrics``: ``test_cer``,
``test_class_1_cer``, ``test_len_6-10_wer``, ``real_cer``, ``real_cer_normalised``,
``real_cer_corrected``...), ``report.json`` (nested), per-line ``*_predictions.csv``, worst-line
galleries, CER-by-length plots and their data (``*_cer_by_length.csv`` for ``dvc plots``).
Everything is logged into the model's training run, tagged with the test-set hash.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crnn_ocr.config import Params
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.metrics import line_cer
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.evaluation.normalise import Normaliser
from crnn_ocr.evaluation.report import build_report, font_table
from crnn_ocr.io.atomic import atomic_dir
from crnn_ocr.paths import ALPHABET_FILE, MODEL_FILE, Paths
from crnn_ocr.stages import train_ocr

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)
TEST_SET_TAG = "crnn_ocr.test_set_hash"


@dataclass(frozen=True)
class EvaluateResult:
    """Headline numbers and where the full report is."""

    test_cer: float
    test_wer: float
    test_exact_match: float
    real_cer: float | None
    real_wer: float | None
    report_dir: Path
    run_id: str | None
    test_set_hash: str


@dataclass
class Scored:
    """Per-line predictions of one dataset plus the worst lines' images for the gallery."""

    lines: pd.DataFrame
    worst: list[tuple[float, int, np.ndarray]]
    skipped: list[str]


def report_dir(paths: Paths) -> Path:
    return paths.reports / "evaluate"


def load_model(folder: Path) -> tuple[keras.Model, Alphabet, dict[str, Any]]:
    """``model.keras`` (safe mode) with its ``alphabet.json`` and ``model.json``."""
    model_file = folder / MODEL_FILE
    if not model_file.is_file():
        raise CrnnOcrError(f"{model_file}: no trained recogniser (run `crnn-ocr train ocr`)")
    import keras

    import crnn_ocr.models.ctc  # noqa: F401  (registers CtcLoss for deserialisation)

    model = keras.saving.load_model(model_file, compile=False, safe_mode=True)
    alphabet = Alphabet.load(folder / ALPHABET_FILE)
    info_file = folder / train_ocr.INFO_FILE
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    if int(model.output_shape[-1]) != alphabet.num_classes:
        raise CrnnOcrError(f"{folder}: model has {model.output_shape[-1]} classes but "
                           f"alphabet.json has {alphabet.num_classes} (with blank)")
    return model, alphabet, info


def score_batches(
    model: keras.Model,
    alphabet: Alphabet,
    batches: Iterable[tuple[pd.DataFrame, np.ndarray]],
    params: Params,
    name: str = "lines",
) -> Scored:
    """Predict every batch and keep the ``gallery_lines`` worst lines' images (bounded memory)."""
    from tqdm import tqdm

    from crnn_ocr.evaluation.val_callback import predict_texts

    cfg = params.evaluate
    parts: list[pd.DataFrame] = []
    worst: list[tuple[float, int, np.ndarray]] = []
    seen = 0
    for rows, images in tqdm(batches, desc=f"evaluate {name}", unit="batch", disable=None):
        readings = predict_texts(model, images, alphabet, cfg.batch_size, cfg.decoding,
                                 cfg.beam_width)
        part = pd.DataFrame({
            "file name": rows["file name"].astype(str).to_numpy(),
            "class": rows["class"].astype(int).to_numpy(),
            "source": rows["source"].fillna("").astype(str).to_numpy(),
            "truth": rows["text"].astype(str).to_numpy(),
            "prediction": [r.text for r in readings],
            "confidence": [r.confidence for r in readings],
        })
        if "font" in rows.columns:  # a synthetic folder's labels.csv names each line's font
            part["font"] = rows["font"].astype(str).to_numpy()
        for j, (truth, reading) in enumerate(zip(part["truth"], readings, strict=True)):
            item = (line_cer(truth, reading.text), -(seen + j), images[j])
            if len(worst) < cfg.gallery_lines:
                heapq.heappush(worst, item)
            elif cfg.gallery_lines:
                heapq.heappushpop(worst, item)
        seen += len(part)
        parts.append(part)
    lines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["file name", "class", "source", "truth", "prediction", "confidence"])
    return Scored(lines, sorted(worst, key=lambda w: (-w[0], -w[1])), [])


def _add_fonts(lines: pd.DataFrame, dataset_dir: Path) -> None:
    """A ``font`` column from the dataset's labels.csv, when its lines are synthetic (the array
    store's rows do not carry it; folder rows do, see ``score_batches``)."""
    from crnn_ocr.data.manifest import read_fonts

    fonts = read_fonts(dataset_dir)
    if fonts:
        lines["font"] = lines["file name"].map(fonts).fillna("")


def table_hash(lines: pd.DataFrame) -> str:
    """Identity of a scored set: sha256 of its file names and texts, in order."""
    digest = hashlib.sha256()
    for name, text in zip(lines["file name"], lines["truth"], strict=True):
        digest.update(f"{name}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def extra_dataset_dir(params: Params, paths: Paths, override: Path | None) -> Path | None:
    if override is not None:
        return override
    value = params.evaluate.extra_dataset
    if value is None:
        return None
    return paths.shared_real if value == "shared_real" else paths.root / value


def run(
    params: Params, paths: Paths, model_dir: Path | None = None, extra: Path | None = None,
    log_to_mlflow: bool = True,
) -> EvaluateResult:
    """Score ``models/ocr`` on the test split (and the extra dataset when present)."""
    from crnn_ocr.evaluation.folder import FolderBatches
    from crnn_ocr.evaluation.label_issues import LABEL_ISSUES, read_label_issues
    from crnn_ocr.stages import ocr_data

    cfg = params.evaluate
    model, alphabet, info = load_model(model_dir or train_ocr.model_dir(paths))
    store = ocr_data.open_store(paths, ("test",))
    if tuple(store.alphabet.chars) != alphabet.chars:
        raise CrnnOcrError(f"{paths.arrays}: alphabet differs from the model's alphabet.json "
                           "(retrain after re-preprocessing)")
    normaliser = Normaliser(cfg.normalisation)
    results: dict[str, tuple[dict[str, float], dict[str, Any], pd.DataFrame, Scored]] = {}
    test = score_batches(model, alphabet, ocr_data.batches(store, "test", cfg.batch_size), params,
                         "test")
    _add_fonts(test.lines, paths.raw)
    results["test"] = (*build_report(test.lines, "test_", cfg.length_buckets, normaliser), test)

    folder = extra_dataset_dir(params, paths, extra)
    if folder is not None and (folder / "labels.csv").is_file():
        settings = PreprocessSettings.from_params(params.preprocess).with_size(store.image_shape)
        batches = FolderBatches(folder, settings, cfg.batch_size, cfg.extra_limit)
        real = score_batches(model, alphabet, batches, params, "real")
        real.skipped = batches.skipped
        corrections = read_label_issues(folder / LABEL_ISSUES) if cfg.use_label_issues else {}
        results["real"] = (*build_report(real.lines, "real_", cfg.length_buckets, normaliser,
                                         corrections), real)
    elif folder is not None:
        log.info("extra dataset %s not found: skipped", folder)

    metrics = {k: v for flat, _, _, _ in results.values() for k, v in flat.items()}
    test_hash = table_hash(test.lines)
    target = _write_reports(paths, results, metrics, cfg.length_buckets, test_hash, folder)
    run_id = info.get("run_id")
    if log_to_mlflow and run_id:
        _log_to_run(paths, run_id, metrics, target, test_hash)
    return EvaluateResult(
        test_cer=metrics["test_cer"], test_wer=metrics["test_wer"],
        test_exact_match=metrics["test_exact_match"], real_cer=metrics.get("real_cer"),
        real_wer=metrics.get("real_wer"), report_dir=target, run_id=run_id,
        test_set_hash=test_hash,
    )


def _write_reports(
    paths: Paths,
    results: dict[str, tuple[dict[str, float], dict[str, Any], pd.DataFrame, Scored]],
    metrics: dict[str, float],
    buckets: Iterable[int],
    test_hash: str,
    extra: Path | None,
) -> Path:
    from crnn_ocr.evaluation.plots import save_bars, save_gallery

    target = report_dir(paths)
    with atomic_dir(target) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
        nested = {name: rep for name, (_, rep, _, _) in results.items()}
        nested["meta"] = {"test_set_hash": test_hash, "length_buckets": list(buckets),
                          "extra_dataset": str(extra) if extra else None,
                          "skipped": {n: s.skipped for n, (*_, s) in results.items()}}
        (tmp / "report.json").write_text(json.dumps(nested, indent=2, ensure_ascii=False) + "\n")
        for name, (_, rep, lines, scored) in results.items():
            lines.to_csv(tmp / f"{name}_predictions.csv", index=False)
            by_len = {k: v["cer"] for k, v in rep["raw"]["length"].items()}
            pd.DataFrame({"length": list(by_len), "cer": list(by_len.values())}).to_csv(
                tmp / f"{name}_cer_by_length.csv", index=False)
            save_bars(by_len, tmp / f"{name}_cer_by_length.png", f"{name}: CER by text length",
                      "CER")
            fonts = font_table(rep)
            if fonts is not None:
                fonts.to_csv(tmp / f"{name}_scores_by_font.csv", index=False)
            worst = scored.worst
            save_gallery(
                [w[2] for w in worst],
                [scored.lines["truth"].iloc[-w[1]] for w in worst],
                [scored.lines["prediction"].iloc[-w[1]] for w in worst],
                tmp / f"{name}_worst_lines.png",
                f"{name}: {len(worst)} worst lines (CER {metrics[f'{name}_cer']:.3f} overall)",
                notes=[f"{scored.lines['file name'].iloc[-w[1]]}, line CER {w[0]:.2f}"
                       for w in worst],
            )
    return target


def _log_to_run(
    paths: Paths, run_id: str, metrics: dict[str, float], folder: Path, test_hash: str
) -> None:
    """Metrics, the report folder and the test-set tag into the model's training run."""
    import mlflow

    from crnn_ocr.tracking import mlflow_store

    if not mlflow_store.run_exists(paths, run_id):
        log.warning("training run %s not in the MLflow store: evaluation not logged", run_id)
        return
    mlflow_store.log_metrics(run_id, metrics, step=0)
    mlflow_store.set_tags(run_id, {TEST_SET_TAG: test_hash})
    client = mlflow.MlflowClient()
    mlflow_store.with_retry(lambda: client.log_artifacts(run_id, str(folder), "evaluate"))
