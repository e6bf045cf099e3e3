"""The validation suite on the real-image sample (skipped when the sample is absent).

The sample (see its README) is pre-reform Russian with a few Latin letters (digital-peter's ``i``
for і, Roman numerals in ocropus) and symbols (``+ [ ] ¾ „ “``). With the pre-reform charset plus
those symbols, exactly the rows holding a Latin letter must be quarantined, and every image must
pass the image checks.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from crnn_ocr.config import load_params
from crnn_ocr.paths import Paths
from crnn_ocr.stages import validate

ROOT = Path(__file__).resolve().parents[2]
REAL = Paths(ROOT).shared_real

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (REAL / "labels.csv").is_file(), reason=f"no real sample at {REAL}"),
]


def test_real_sample_quarantines_exactly_the_latin_rows(tmp_path: Path) -> None:
    params = load_params(ROOT / "params.yaml", [
        "validation.charset=pre_reform",
        "validation.extra_chars='+[]¾„“'",
        "validation.max_bad_fraction=0.1",
    ])
    result = validate.run(params, Paths(ROOT), REAL, tmp_path / "out")

    with open(REAL / "labels.csv", encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle))
    latin = {row["file name"] for row in labels if re.search("[A-Za-z]", row["text"])}
    quarantine = pd.read_csv(result.quarantine, dtype=str, keep_default_na=False)
    assert set(quarantine["file name"]) == latin
    assert all(r.startswith("charset: ") and "LATIN" in r for r in quarantine["reasons"])
    assert set(result.check_counts) == {"charset"}, "an image check failed on real images"
    assert result.good == len(labels) - len(latin)
    assert any(w.startswith("class_balance") for w in result.warnings)  # 2300 of 2404 handwritten
    summary = json.loads(result.summary.read_text(encoding="utf-8"))
    assert summary["images_dir"] == str((REAL / "images").resolve())
    assert summary["offending_characters"]["i"] == 128
