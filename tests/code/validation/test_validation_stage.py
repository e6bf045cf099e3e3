"""The validate stage end to end on tiny datasets with planted faults (real GX, real files)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from validation_fixtures import Planted, png_bytes, write_labels

from crnn_ocr.cli.main import main
from crnn_ocr.config import load_params
from crnn_ocr.errors import DataError
from crnn_ocr.paths import Paths
from crnn_ocr.stages import validate

PARAMS_FILE = Path(__file__).resolve().parents[3] / "params.yaml"


def params(*overrides: str):
    return load_params(PARAMS_FILE, overrides)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def passed(planted: Planted, tmp_path: Path):
    before = tree_digest(planted.root)
    outside = planted.outside.read_bytes()
    result = validate.run(
        params("validation.max_bad_fraction=1.0"), Paths(tmp_path), planted.root, tmp_path / "out"
    )
    assert tree_digest(planted.root) == before, "the raw dataset was modified"
    assert planted.outside.read_bytes() == outside
    return planted, result


def test_every_planted_fault_is_quarantined_with_its_check(passed) -> None:
    planted, result = passed
    quarantine = pd.read_csv(result.quarantine, dtype=str, keep_default_na=False)
    found = {
        int(row): {part.split(":", 1)[0].strip() for part in reasons.split("; ")}
        for row, reasons in zip(quarantine["row"], quarantine["reasons"], strict=True)
    }
    assert found == planted.expected
    assert result.quarantined == len(planted.expected)
    assert result.check_counts["duplicate_file_name"] == 2


def test_reasons_name_the_detail(passed) -> None:
    _, result = passed
    quarantine = pd.read_csv(result.quarantine, dtype=str, keep_default_na=False)
    reasons = dict(zip(quarantine["file name"], quarantine["reasons"], strict=False))
    assert "40000x40000" in reasons["bomb.png"] and "not decoded" in reasons["bomb.png"]
    assert "'¾' U+00BE" in reasons["latin.png"]
    assert "class '2'" in reasons["class2.png"]
    assert "empty text" in reasons["empty_text.png"]
    assert "escapes" in reasons["../outside.png"]
    assert "absolute path" in reasons[str(passed[0].outside)]
    assert "also on line 19" in quarantine.loc[quarantine["row"] == "18", "reasons"].item()
    assert any(line.startswith("labels.csv line 20 ('bomb.png')") for line in result.examples)


def test_good_rows_survive_in_the_manifest(passed) -> None:
    planted, result = passed
    manifest = pd.read_csv(result.manifest, dtype=str, keep_default_na=False)
    assert list(manifest.columns) == ["file name", "text", "class", "source", "split"]
    assert manifest["file name"].tolist() == planted.good
    assert set(manifest["split"]) <= {"train", "val", "test"}
    assert set(manifest["class"]) == {"0", "1"}


def test_summary_and_data_docs(passed) -> None:
    _, result = passed
    summary = json.loads(result.summary.read_text(encoding="utf-8"))
    assert summary["passed"] is True
    assert summary["rows"] == result.rows == 23
    assert summary["quarantined"] == 15
    assert summary["offending_characters"] == {"l": 2, "h": 1, "e": 1, "o": 1, "¾": 1}
    assert summary["split_source"] == "assigned"
    assert result.data_docs_index is not None and result.data_docs_index.is_file()
    html = "".join(p.read_text(encoding="utf-8") for p in result.out_dir.rglob("*.html"))
    assert "expect_column_values_to_match_regex" in html or "match" in html.lower()


def test_too_many_bad_rows_fails_through_the_cli(planted: Planted, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["validate", str(planted.root), "--out", str(out), "-p", str(PARAMS_FILE),
                 "-S", "validation.data_docs_dir=null"])
    captured = capsys.readouterr()
    assert code == 1
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "15 of 23 rows bad" in error_lines[0]
    assert not (out / "manifest.csv").exists(), "a failed validation must not publish a manifest"
    assert (out / "quarantine.csv").is_file()
    assert json.loads((out / "validation.json").read_text(encoding="utf-8"))["passed"] is False
    assert not (out / "data_docs").exists() and "data docs:" not in captured.out


def make_clean(root: Path, rows: list[list[str]], header: list[str]) -> None:
    (root / "images").mkdir(parents=True)
    for i, row in enumerate(rows):
        (root / "images" / row[0]).write_bytes(png_bytes(seed=i))
    write_labels(root, rows, header)


def test_bom_and_split_column(tmp_path: Path, capsys) -> None:
    root = tmp_path / "ds"
    rows = [[f"{i}.png", "строка", str(i % 2), "synth", split]
            for i, split in enumerate(["test", "val", "", "train", "holdout"])]
    make_clean(root, rows, ["file name", "text", "class", "source", "split"])
    labels = root / "labels.csv"
    labels.write_bytes(b"\xef\xbb\xbf" + labels.read_bytes())  # UTF-8 BOM: tolerated
    out = tmp_path / "out"
    code = main(["validate", str(root), "--out", str(out), "-p", str(PARAMS_FILE),
                 "-S", "validation.max_bad_fraction=0.5", "-S", "validation.workers=2",
                 "-S", "validation.chunk_size=2"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "data docs: file://" in printed and "index.html" in printed
    manifest = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    assert manifest["split"].tolist()[:2] == ["test", "val"]  # explicit splits kept
    assert manifest["split"].tolist()[3] == "train"
    assert manifest["split"].iat[2] in {"train", "val", "test"}  # empty split assigned
    assert manifest["source"].tolist() == ["synth"] * 4
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert quarantine["reasons"].tolist() == ["split: split 'holdout' is not train, val or test"]


def test_missing_images_folder_is_a_file_level_error(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    write_labels(tmp_path / "ds", [["a.png", "а", "0"]])
    with pytest.raises(DataError, match="images folder not found"):
        validate.run(params(), Paths(tmp_path), tmp_path / "ds", tmp_path / "out")
    assert not (tmp_path / "out").exists()
