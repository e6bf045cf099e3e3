"""Turn GX results into quarantine reasons and the stage's output files.

Every quarantined row gets ``check: detail`` for each check it failed (``;``-separated), where the
detail is made from that row's own values, so a reader sees the file, the line and the reason.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from crnn_ocr.config.validation import ValidationParams
from crnn_ocr.io.atomic import atomic_file
from crnn_ocr.validation.suite import ROW, SuiteOutcome

MANIFEST_COLUMNS = ["file name", "text", "class", "source", "split"]
QUARANTINE_COLUMNS = [ROW, *MANIFEST_COLUMNS, "reasons"]


def offending_chars(texts: pd.Series, allowed: str) -> Counter[str]:
    """How often each character outside ``allowed`` occurs in ``texts``."""
    known = set(allowed)
    return Counter(ch for text in texts for ch in str(text) if ch not in known)


def describe_chars(counts: Counter[str] | dict[str, int]) -> str:
    """``'¾' U+00BE ×1, ...`` most frequent first (names make invisible characters visible)."""
    parts = []
    for ch, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = unicodedata.name(ch, "")
        parts.append(f"{ch!r} U+{ord(ch):04X}{' ' + name if name else ''} ×{n}")
    return ", ".join(parts)


def _between(label: str, value: Any, low: Any, high: Any) -> str:
    return f"{label} {value:g} outside [{low:g}, {high:g}]"


def detail_makers(
    params: ValidationParams, facts: pd.DataFrame
) -> dict[str, Callable[[pd.Series], str]]:
    """For each row check: a function of the row giving the human-readable detail."""
    lines_of = facts.groupby("file name")[ROW].apply(list).to_dict()
    allowed = params.allowed_chars()

    def duplicate(r: pd.Series) -> str:
        others = [str(x) for x in lines_of[r["file name"]] if x != r[ROW]]
        return f"{r['file name']!r} also on line {', '.join(others)}"

    def text_length(r: pd.Series) -> str:
        n = len(r["text"])
        return "empty text" if n == 0 else _between(
            "length", n, params.min_text_length, params.max_text_length)

    def extension(r: pd.Series) -> str:
        ext = os.path.splitext(r["file name"])[1] or "(none)"
        return f"extension {ext!r} but content is {r['format']}"

    image = lambda r: str(r["image_detail"])  # noqa: E731 - the chain already said why
    return {
        "path": image, "exists": image, "nonempty": image, "format": image, "pixels": image,
        "decodes": image, "extension": extension,
        "height": lambda r: _between("height", r["height"], params.min_height, params.max_height),
        "width": lambda r: _between("width", r["width"], params.min_width, params.max_width),
        "aspect": lambda r: _between(
            "width/height", round(r["aspect"], 3), params.min_aspect, params.max_aspect),
        "class": lambda r: f"class {r['class']!r} is not 0 (printed) or 1 (handwritten)",
        "duplicate_file_name": duplicate,
        "text_length": text_length,
        "charset": lambda r: "not in charset: " + describe_chars(
            offending_chars(pd.Series([r["text"]]), allowed)),
        "split": lambda r: f"split {r['split']!r} is not train, val or test",
    }


def quarantine_reasons(
    facts: pd.DataFrame, outcome: SuiteOutcome, params: ValidationParams
) -> dict[int, str]:
    """``row -> "check: detail; check: detail"`` for every row a critical check failed."""
    makers = detail_makers(params, facts)
    by_row = facts.set_index(ROW, drop=False)
    reasons: dict[int, str] = {}
    critical = {r.check for r in outcome.results if r.severity == "critical"}
    for row, checks in sorted(outcome.failing_rows.items()):
        record = by_row.loc[row]
        parts = [f"{c}: {makers[c](record)}" if c in makers else c
                 for c in checks if c in critical]
        if parts:
            reasons[row] = "; ".join(parts)
    return reasons


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_file(path, "w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")  # type: ignore[call-overload]


def write_json(data: dict[str, Any], path: Path) -> None:
    with atomic_file(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)  # type: ignore[arg-type]
        handle.write("\n")  # type: ignore[attr-defined]
