"""PreprocessSettings: one object for the preprocessing values, saved with every bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.core.reframe import reframe_rows
from crnn_ocr.errors import CrnnOcrError


def _line() -> np.ndarray:
    rng = np.random.default_rng(0)
    image = rng.integers(150, 256, (40, 300), dtype=np.uint8)
    image[15:25, 20:280:7] = 0
    return image


@pytest.mark.parametrize("pad_after", [False, True])
def test_apply_is_preprocess_image_with_the_same_values(pad_after: bool) -> None:
    settings = PreprocessSettings(32, 256, 15, 7.0, pad_after)
    for ocr in (False, True):
        np.testing.assert_array_equal(
            settings.apply(_line(), ocr),
            preprocess_image(_line(), ocr, (32, 256), 15, 7.0, pad_after))


def test_apply_frames_the_line_first_unless_told_it_is_framed() -> None:
    settings = PreprocessSettings(32, 256, 15, 7.0, True, ink_fill=0.7)
    framed = reframe_rows(_line(), 0.7)
    assert framed.shape != _line().shape
    for ocr in (False, True):
        np.testing.assert_array_equal(
            settings.apply(_line(), ocr), preprocess_image(framed, ocr, (32, 256), 15, 7.0, True))
        np.testing.assert_array_equal(
            settings.apply(_line(), ocr, frame=False),
            preprocess_image(_line(), ocr, (32, 256), 15, 7.0, True))
    np.testing.assert_array_equal(PreprocessSettings(32, 256, 15, 7.0).frame(_line()), _line())


@pytest.mark.parametrize("ink_fill", [None, 0.7])
def test_from_params_with_size_and_json_round_trip(tmp_path: Path, ink_fill: float | None) -> None:
    params = PreprocessParams(height=32, width=512, block_size=15, c=7,
                              pad_after_threshold=True, ink_fill=ink_fill)
    settings = PreprocessSettings.from_params(params)
    assert settings == PreprocessSettings(32, 512, 15, 7.0, True, ink_fill)
    assert settings.with_size((16, 128)) == PreprocessSettings(16, 128, 15, 7.0, True, ink_fill)
    settings.save(tmp_path / "preprocess.json")
    assert PreprocessSettings.load(tmp_path / "preprocess.json") == settings


def test_old_bundle_json_means_the_reference_order_and_bad_json_is_named(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text('{"height": 32, "width": 512, "block_size": 21, "c": 10}', encoding="utf-8")
    assert PreprocessSettings.load(old).pad_after_threshold is False
    assert PreprocessSettings.load(old).ink_fill is None
    out_of_range = tmp_path / "fill.json"
    out_of_range.write_text('{"height": 32, "width": 512, "block_size": 21, "c": 10, '
                            '"ink_fill": 1.5}', encoding="utf-8")
    with pytest.raises(CrnnOcrError, match=r"fill.json: .*ink_fill must be in \(0, 1\]"):
        PreprocessSettings.load(out_of_range)
    with pytest.raises(ValueError, match="ink_fill"):
        PreprocessParams(ink_fill=0)
    bad = tmp_path / "bad.json"
    bad.write_text('{"height": 32}', encoding="utf-8")
    with pytest.raises(CrnnOcrError, match="bad.json: not a valid preprocess.json"):
        PreprocessSettings.load(bad)
