"""Turn per-line predictions into metrics: overall, per class, per length bucket, per source.

Lines with a ``font`` column (synthetic lines name the font that drew them) are also scored per
font, in the nested report and ``*_scores_by_font.csv`` only: dozens of fonts would bury the
MLflow metrics list.

Variants, each reported beside the raw scores (never instead of them):

- ``*_normalised``: the per-source ``evaluate.normalisation`` map applied to truth and prediction;
- ``*_corrected``: truth replaced by ``label_issues.csv`` suggested texts where listed (the
  normalisation map applied as well), for sources whose labels are known to hold errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crnn_ocr.core.metrics import Scores, flatten, length_bucket, line_cer, score, score_by
from crnn_ocr.data.manifest import NO_FONT
from crnn_ocr.evaluation.normalise import Normaliser

LINE_COLUMNS = ("file name", "class", "source", "truth", "prediction", "confidence")
"""Columns of the per-line frame the report is built from."""


def _scores_block(
    truths: Sequence[str],
    preds: Sequence[str],
    frame: pd.DataFrame,
    buckets: Sequence[int],
) -> dict[str, Any]:
    groups: dict[str, Mapping[str, Scores]] = {
        "class": score_by(truths, preds, list(frame["class"])),
        "length": score_by(truths, preds, [length_bucket(len(t), buckets) for t in truths]),
    }
    if frame["source"].nunique() > 1:
        groups["source"] = score_by(truths, preds, list(frame["source"]))
    if "font" in frame.columns and frame["font"].astype(bool).any():
        groups["font"] = score_by(truths, preds, [f or NO_FONT for f in frame["font"]])
    return {"overall": score(truths, preds), **groups}


def _flat(prefix: str, block: Mapping[str, Any], suffix: str) -> dict[str, float]:
    overall: Scores = block["overall"]
    out = {
        f"{prefix}{m}{suffix}": float(getattr(overall, m)) for m in ("cer", "wer", "exact_match")
    }
    names = {"class": "class_", "length": "len_", "source": "source_"}
    for group, scores in block.items():
        if group in names:
            flat = flatten(f"{prefix}{names[group]}", scores)
            out.update({f"{k}{suffix}": v for k, v in flat.items()})
    return out


def _nested(block: Mapping[str, Any]) -> dict[str, Any]:
    return {
        group: (value.as_dict() if isinstance(value, Scores)
                else {k: s.as_dict() for k, s in value.items()})
        for group, value in block.items()
    }


def font_table(report: Mapping[str, Any]) -> pd.DataFrame | None:
    """The raw per-font scores of a nested report, worst CER first (None without fonts)."""
    fonts = report["raw"].get("font")
    if not fonts:
        return None
    table = pd.DataFrame.from_dict(fonts, orient="index").rename_axis("font").reset_index()
    return table.sort_values(["cer", "font"], ascending=[False, True], kind="stable")


def build_report(
    lines: pd.DataFrame,
    prefix: str,
    buckets: Sequence[int],
    normaliser: Normaliser | None = None,
    corrections: Mapping[str, str] | None = None,
) -> tuple[dict[str, float], dict[str, Any], pd.DataFrame]:
    """Score ``lines`` (columns ``LINE_COLUMNS``, optionally ``font``).

    Returns:
        flat metrics (``<prefix>cer``, ``<prefix>class_1_cer``, ``<prefix>len_6-10_wer``,
        ``<prefix>cer_normalised``...), the nested report, and ``lines`` with a ``cer`` column
        (and ``truth_corrected`` when corrections apply), sorted worst first.
    """
    frame = lines.reset_index(drop=True).copy()
    frame["source"] = frame["source"].fillna("").astype(str)
    if "font" in frame.columns:
        frame["font"] = frame["font"].fillna("").astype(str)
    truths, preds = list(frame["truth"]), list(frame["prediction"])
    raw = _scores_block(truths, preds, frame, buckets)
    flat = _flat(prefix, raw, "")
    nested: dict[str, Any] = {"lines": len(frame), "raw": _nested(raw)}

    def normalised(texts: Sequence[str]) -> list[str]:
        if not normaliser:
            return list(texts)
        return [
            normaliser(t, n, s)
            for t, n, s in zip(texts, frame["file name"], frame["source"], strict=True)
        ]

    if normaliser and any(normaliser.key_for(n, s) for n, s in zip(frame["file name"],
                                                                    frame["source"], strict=True)):
        block = _scores_block(normalised(truths), normalised(preds), frame, buckets)
        flat.update(_flat(prefix, block, "_normalised"))
        nested["normalised"] = {"maps": normaliser.maps, **_nested(block)}
    if corrections:
        fixed = [corrections.get(n, t) for n, t in zip(frame["file name"], truths, strict=True)]
        changed = sum(f != t for f, t in zip(fixed, truths, strict=True))
        if changed:
            frame["truth_corrected"] = fixed
            block = _scores_block(normalised(fixed), normalised(preds), frame, buckets)
            flat.update(_flat(prefix, block, "_corrected"))
            nested["corrected"] = {"lines_corrected": changed, **_nested(block)}
    frame["cer"] = [line_cer(t, p) for t, p in zip(truths, preds, strict=True)]
    frame = frame.sort_values(["cer", "file name"], ascending=[False, True], kind="stable")
    return flat, nested, frame
