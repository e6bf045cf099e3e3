"""CER, WER, exact match and grouped scores computed with rapidfuzz edit distances."""

from __future__ import annotations

import pytest

from crnn_ocr.core.metrics import flatten, length_bucket, line_cer, score, score_by, score_by_length


def test_corpus_level_cer_and_wer() -> None:
    s = score(["мама мыла раму", "кот"], ["мама мыла рому", "кит"])
    assert s.chars == 17 and s.char_edits == 2
    assert s.cer == pytest.approx(2 / 17)
    assert s.words == 4 and s.word_edits == 2
    assert s.wer == pytest.approx(0.5)
    assert s.exact_match == 0.0


def test_perfect_and_empty_predictions() -> None:
    assert score(["абв"], ["абв"]).cer == 0.0
    assert score(["абв"], ["абв"]).exact_match == 1.0
    assert score(["абв"], [""]).cer == 1.0
    assert line_cer("", "x") == 1.0
    with pytest.raises(ValueError):
        score(["а"], [])


def test_length_buckets() -> None:
    assert length_bucket(1) == "1-5"
    assert length_bucket(6) == "6-10"
    assert length_bucket(40) == "21-40"
    assert length_bucket(41) == "41-up"
    assert length_bucket(3, (2,)) == "3-up"


def test_grouped_scores_and_flat_names() -> None:
    truths, preds = ["аа", "бб", "вввввввв"], ["аа", "б", "вввввввв"]
    by_class = score_by(truths, preds, [1, 0, 1])
    assert by_class["0"].cer == 0.5 and by_class["1"].cer == 0.0
    by_len = score_by_length(truths, preds)
    assert set(by_len) == {"1-5", "6-10"}
    flat = flatten("class_", by_class)
    assert flat["class_0_cer"] == 0.5 and flat["class_1_exact_match"] == 1.0
