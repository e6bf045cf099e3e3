"""The validate stage: labels.csv rows + per-image facts -> GX suite -> manifest and quarantine.

Reads a dataset folder (``images/`` + ``labels.csv``) without modifying it and writes, atomically,
``manifest.csv`` (good rows, splits assigned where missing), ``quarantine.csv`` (bad rows with
every failed check named), ``validation.json`` (summary) and the GX Data Docs. When more than
``validation.max_bad_fraction`` of the rows are bad the stage raises ``ValidationFailed`` after
writing everything except ``manifest.csv``, so nothing downstream can use a failed dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crnn_ocr.config.params import Params
from crnn_ocr.data.manifest import IMAGES, LABELS, assign_splits, read_labels, with_source
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_dir
from crnn_ocr.paths import Paths
from crnn_ocr.validation import report
from crnn_ocr.validation.image_facts import Limits, collect_facts
from crnn_ocr.validation.suite import ROW, run_suite

MANIFEST = "manifest.csv"
QUARANTINE = "quarantine.csv"
SUMMARY = "validation.json"
EXAMPLES = 20


@dataclass(frozen=True)
class ValidateResult:
    """Small values and paths (safe to pass between Prefect tasks)."""

    dataset_dir: Path
    out_dir: Path
    rows: int
    good: int
    quarantined: int
    bad_fraction: float
    passed: bool
    manifest: Path | None
    quarantine: Path
    summary: Path
    data_docs_index: Path | None
    check_counts: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    offending_chars: dict[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()  # "labels.csv line N (file): reasons" for the first rows


class ValidationFailed(DataError):
    """Too many bad rows; ``result`` holds the summary (outputs were written for inspection)."""

    def __init__(self, message: str, result: ValidateResult) -> None:
        super().__init__(message)
        self.result = result


def _display_path(path: Path, root: Path) -> str:
    path, root = path.resolve(), root.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)  # None when no valid rows


def _facts_frame(labels: pd.DataFrame, image_facts: list[dict[str, object]]) -> pd.DataFrame:
    facts = labels.copy()
    facts.insert(0, ROW, labels.attrs["lines"])
    facts["handwritten"] = facts["class"].map({"0": 0.0, "1": 1.0})  # NaN for bad classes
    images = pd.DataFrame(image_facts, index=facts.index).astype(object)
    images = images.where(images.notna(), None)  # None = not reached; GX skips it
    return pd.concat([facts, images], axis=1)


def _good_rows(facts: pd.DataFrame, bad: set[int], seed: int, fractions: dict[str, float]) -> (
    pd.DataFrame
):
    good = with_source(facts[~facts[ROW].isin(bad)].copy())
    if "split" not in good.columns:
        good["split"] = ""
    missing = good["split"] == ""
    if missing.any():
        good.loc[missing, "split"] = assign_splits(good[missing], fractions, seed)["split"]
    good["class"] = good["class"].astype(int)
    return good[report.MANIFEST_COLUMNS]


def run(
    params: Params, paths: Paths, dataset_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> ValidateResult:
    """Validate ``dataset_dir`` (default ``data/raw``) into ``out_dir`` (default data/validated).

    Raises:
        DataError: labels.csv or images/ unusable (not UTF-8, wrong header, ...): nothing written.
        ValidationFailed: more than ``max_bad_fraction`` of the rows are bad (outputs written,
            except ``manifest.csv``).
    """
    from tqdm import tqdm

    vp = params.validation
    dataset_dir = Path(dataset_dir or paths.raw)
    out_dir = Path(out_dir or paths.validated)
    images_dir = dataset_dir / IMAGES
    if not images_dir.is_dir():
        raise DataError(f"{images_dir}: images folder not found (dataset = images/ + {LABELS})")
    labels = read_labels(dataset_dir, strict=False)
    if labels.empty:
        raise DataError(f"{dataset_dir / LABELS}: no rows after the header")
    with tqdm(total=len(labels), desc="image facts", unit="img", disable=None) as bar:
        image_facts = collect_facts(
            images_dir, labels["file name"].tolist(), Limits(vp.formats, vp.max_pixels),
            workers=vp.workers, chunk_size=vp.chunk_size, progress=bar.update,
        )
    facts = _facts_frame(labels, image_facts)
    with atomic_dir(out_dir) as tmp:
        docs_dir = tmp / vp.data_docs_dir if vp.data_docs_dir else None
        outcome = run_suite(facts, vp, docs_dir)
        reasons = report.quarantine_reasons(facts, outcome, vp)
        bad = facts[facts[ROW].isin(reasons)].copy()
        bad["reasons"] = bad[ROW].map(reasons)
        for column in ("source", "split"):
            if column not in bad.columns:
                bad[column] = ""
        report.write_csv(bad[report.QUARANTINE_COLUMNS], tmp / QUARANTINE)
        rows, n_bad = len(facts), len(bad)
        passed = n_bad / rows <= vp.max_bad_fraction
        good = _good_rows(facts, set(reasons), params.seed, params.data.splits.fractions())
        if passed:
            report.write_csv(good, tmp / MANIFEST)
        critical = [r for r in outcome.results if r.severity == "critical"]
        check_counts = {r.check: len(r.rows) for r in critical if r.rows}
        warnings = tuple(
            f"{r.check}: observed {_short(r.observed)}, expected within "
            f"[{r.bounds[0]}, {r.bounds[1]}] ({r.expectation})"
            for r in outcome.results if r.severity == "warning" and not r.success
        )
        chars = report.offending_chars(facts["text"], vp.allowed_chars())
        duplicated = facts["text"].duplicated(keep=False)
        summary: dict[str, Any] = {
            "passed": passed,
            "dataset_dir": str(dataset_dir.resolve()),
            "images_dir": _display_path(images_dir, paths.root),
            "rows": rows, "good": rows - n_bad, "quarantined": n_bad,
            "bad_fraction": n_bad / rows, "max_bad_fraction": vp.max_bad_fraction,
            "failed_checks": check_counts,
            "warnings": list(warnings),
            "offending_characters": dict(chars.most_common()),
            "class_counts": facts["class"].value_counts().to_dict(),
            "duplicated_texts": {"rows": int(duplicated.sum()),
                                 "distinct_texts": int(facts.loc[duplicated, "text"].nunique())},
            "splits": good["split"].value_counts().to_dict() if passed else {},
            "split_source": "labels.csv" if "split" in labels.columns else "assigned",
            "gx_success": outcome.gx_success,
            "checks": [asdict(r) | {"rows": len(r.rows)} for r in outcome.results],
            "params": vp.model_dump(mode="json"),
        }
        report.write_json(summary, tmp / SUMMARY)
    docs_index = (
        out_dir / vp.data_docs_dir / "index.html"
        if vp.data_docs_dir and outcome.data_docs_index else None
    )
    examples = tuple(
        f"{LABELS} line {r[ROW]} ({r['file name']!r}): {r['reasons']}"
        for _, r in bad.head(EXAMPLES).iterrows()
    )
    result = ValidateResult(
        dataset_dir=dataset_dir, out_dir=out_dir, rows=rows, good=rows - n_bad, quarantined=n_bad,
        bad_fraction=n_bad / rows, passed=passed, manifest=out_dir / MANIFEST if passed else None,
        quarantine=out_dir / QUARANTINE, summary=out_dir / SUMMARY, data_docs_index=docs_index,
        check_counts=check_counts, warnings=warnings, offending_chars=dict(chars.most_common()),
        examples=examples,
    )
    if not passed:
        ranked = sorted(check_counts.items(), key=lambda kv: -kv[1])
        counts = ", ".join(f"{k}×{v}" for k, v in ranked)
        raise ValidationFailed(
            f"validation failed: {n_bad} of {rows} rows bad ({n_bad / rows:.2%} > "
            f"max_bad_fraction {vp.max_bad_fraction:.2%}): {counts}; see {out_dir / QUARANTINE}",
            result,
        )
    return result
