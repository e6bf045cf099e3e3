"""The contact sheet and the character-coverage report."""

from __future__ import annotations

import json

import cv2
import pytest
from synth_fixtures import FONTS

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.data.preview import char_coverage, preview
from crnn_ocr.data.synth import render_texts
from crnn_ocr.errors import DataError

LINES = [("аб ё", 0), ("ББ 1", 1), ("аа!", 1)]


def test_char_coverage_counts_per_class_and_flags_strays() -> None:
    counts = {c.char: c for c in char_coverage([t for t, _ in LINES] + ["ѣ"], [0, 1, 1, 0])}
    assert (counts["а"].printed, counts["а"].handwritten) == (1, 2)
    assert (counts["Б"].printed, counts["Б"].handwritten) == (0, 2)
    assert counts[" "].total == 2 and counts["Щ"].total == 0
    assert counts["ѣ"].printed == 1  # not in the alphabet, still reported


def test_preview_writes_sheet_and_coverage(tmp_path) -> None:
    render_texts(LINES, SynthParams(), tmp_path / "ds", FONTS)
    result = preview(tmp_path / "ds", tmp_path / "out" / "sheet.png", FONTS, n=2, seed=1)
    sheet = cv2.imread(str(result.sheet))
    assert sheet is not None and sheet.shape[0] > 64 and sheet.shape[1] > 400
    assert result.rows == 3 and result.shown == 2
    summary = json.loads(result.coverage_json.read_text(encoding="utf-8"))
    assert summary["rows"] == 3 and summary["handwritten"] == 2
    assert summary["chars"]["а"] == {"printed": 1, "handwritten": 2}
    assert summary["alphabet_min_count"] == 0 and "Щ" in summary["missing_alphabet_chars"]
    labels = (tmp_path / "ds" / "labels.csv").read_text(encoding="utf-8")
    assert sum(summary["fonts"].values()) == 3
    assert all(f",{font}\n" in labels for font in summary["fonts"])  # the labels' font column
    lines = result.coverage_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "char,codepoint,total,printed,handwritten,in_alphabet"
    assert "ё,U+0451,1,1,0,1" in lines
    # The thumbnails were pasted: light paper pixels on the grey (90) sheet background.
    assert (sheet.min(axis=2) > 150).sum() > 1000


def test_preview_refuses_paths_outside_the_dataset(tmp_path) -> None:
    (tmp_path / "ds" / "images").mkdir(parents=True)
    (tmp_path / "ds" / "labels.csv").write_text("file name,text,class\n../x.png,a,0\n",
                                                encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2: .*escapes"):
        preview(tmp_path / "ds", tmp_path / "sheet.png", FONTS)
