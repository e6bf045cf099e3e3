"""Reports: grouped metrics, per-source normalisation and label_issues.csv corrections."""

from __future__ import annotations

import pandas as pd
import pytest

from crnn_ocr.errors import DataError
from crnn_ocr.evaluation.label_issues import read_label_issues
from crnn_ocr.evaluation.normalise import Normaliser, apply_map, source_key
from crnn_ocr.evaluation.report import build_report, font_table


def lines(rows: list[tuple[str, int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(n, c, s, t, p, 0.9) for n, c, s, t, p in rows],
        columns=["file name", "class", "source", "truth", "prediction", "confidence"],
    )


def test_source_by_column_or_longest_prefix() -> None:
    keys = ["htr_ru", "peter", "peter_x"]
    assert source_key("htr_ru_000001.jpg", None, keys) == "htr_ru"
    assert source_key("peter_x_1.png", "", keys) == "peter_x"
    assert source_key("a.png", "peter", keys) == "peter"
    assert source_key("ocropus_1.png", None, keys) is None


def test_apply_map_is_nfc_and_longest_first() -> None:
    assert apply_map("длё", {"ё": "я"}) == "для"
    assert apply_map("iменно", {"i": "і"}) == "іменно"
    assert apply_map("аб", {"а": "x", "аб": "y"}) == "y"


def test_normalised_and_raw_are_reported_side_by_side() -> None:
    frame = lines([
        ("htr_ru_1.jpg", 1, "", "длё", "для"),      # the ё-for-я quirk: raw error, normalised ok
        ("peter_1.png", 1, "", "iз", "із"),         # Latin i for і
        ("ocropus_1.png", 0, "", "домъ", "домъ"),
    ])
    norm = Normaliser({"htr_ru": {"ё": "я"}, "peter": {"i": "і"}})
    flat, nested, worst_first = build_report(frame, "real_", (5, 10), norm)
    assert flat["real_cer"] == pytest.approx(2 / 9)
    assert flat["real_cer_normalised"] == 0.0
    assert flat["real_class_0_cer"] == 0.0 and flat["real_class_1_cer"] == pytest.approx(2 / 5)
    assert flat["real_len_1-5_exact_match"] == pytest.approx(1 / 3)
    assert nested["normalised"]["maps"]["htr_ru"] == {"ё": "я"}
    assert list(worst_first["cer"])[-1] == 0.0 and list(worst_first["cer"])[0] > 0


def test_no_normalised_metrics_when_no_source_matches() -> None:
    frame = lines([("test_1.png", 0, "synth", "а", "б")])
    flat, _, _ = build_report(frame, "test_", (5,), Normaliser({"htr_ru": {"ё": "я"}}))
    assert "test_cer_normalised" not in flat
    assert flat["test_cer"] == 1.0


def test_corrected_labels_are_scored_as_an_extra_variant(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "label_issues.csv").write_text(
        "file name,text_in_labels_csv,suggested_text,note\n"
        'ocropus_1.png,"стороиы, чго",стороны что,OCR errors\n',
        encoding="utf-8",
    )
    corrections = read_label_issues(tmp_path / "label_issues.csv")
    assert corrections == {"ocropus_1.png": "стороны что"}
    frame = lines([("ocropus_1.png", 0, "", "стороиы, чго", "стороны что"),
                   ("ocropus_2.png", 0, "", "а", "а")])
    flat, nested, out = build_report(frame, "real_", (5,), None, corrections)
    assert flat["real_cer"] > 0 and flat["real_cer_corrected"] == 0.0
    assert nested["corrected"]["lines_corrected"] == 1
    assert "truth_corrected" in out


def test_bad_label_issues_file_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert read_label_issues(tmp_path / "absent.csv") == {}
    bad = tmp_path / "label_issues.csv"
    bad.write_text("file name,text\nx.png,a\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"label_issues\.csv: line 1: missing column"):
        read_label_issues(bad)
    bad.write_text("file name,suggested_text\nx.png,a\nx.png,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: duplicate"):
        read_label_issues(bad)


def test_fonts_are_scored_in_the_report_but_not_as_flat_metrics() -> None:
    frame = lines([("synth_1.png", 0, "synth", "аб", "аб"), ("synth_2.png", 1, "synth", "аб", "а"),
                   ("synth_3.png", 1, "synth", "вг", "вг")])
    frame["font"] = ["PTSans", "Caveat", "Caveat"]
    flat, nested, _ = build_report(frame, "test_", (5,))
    assert nested["raw"]["font"]["Caveat"]["cer"] == pytest.approx(1 / 4)
    assert nested["raw"]["font"]["PTSans"]["cer"] == 0.0
    assert not [k for k in flat if "Caveat" in k or "font" in k]
    table = font_table(nested)
    assert table is not None and list(table["font"]) == ["Caveat", "PTSans"]  # worst first
    assert list(table["lines"]) == [2, 1]
    no_fonts = build_report(frame.drop(columns="font"), "test_", (5,))[1]
    assert "font" not in no_fonts["raw"] and font_table(no_fonts) is None
