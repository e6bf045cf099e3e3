"""``label_issues.csv``: corrected texts for lines whose source label is known to be wrong.

Format (as in the real-image sample): header ``file name,text_in_labels_csv,suggested_text,note``.
Only ``file name`` and ``suggested_text`` are needed; other columns are kept for people.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from crnn_ocr.core.codec import normalize_text
from crnn_ocr.errors import DataError

LABEL_ISSUES = "label_issues.csv"
REQUIRED_COLUMNS = ("file name", "suggested_text")


def read_label_issues(path: str | Path) -> dict[str, str]:
    """``{file name: suggested text}``; missing file -> empty dict.

    Raises:
        DataError: bad encoding, missing column, empty field or duplicate file (file and line).
    """
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    corrections: dict[str, str] = {}
    try:
        for row in reader:
            name = (row.get("file name") or "").strip()
            suggested = normalize_text((row.get("suggested_text") or "").strip())
            if not name or not suggested:
                raise DataError(
                    f"{path}: line {reader.line_num}: empty file name or suggested_text"
                )
            if name in corrections:
                raise DataError(f"{path}: line {reader.line_num}: duplicate file name {name!r}")
            corrections[name] = suggested
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: {exc}") from exc
    return corrections
