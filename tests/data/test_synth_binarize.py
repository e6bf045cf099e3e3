"""Binarized printed lines: the threshold shift that breaks hairlines, and byte stability."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from crnn_ocr.config.synth import DegradeParams, SynthParams
from crnn_ocr.data.synth import render_dataset
from crnn_ocr.data.synth.degrade import binarize

REPO = Path(__file__).resolve().parents[2]


def _stroke_image() -> np.ndarray:
    """A white line with a black bar and a 2-px hairline beside it, blurred (anti-aliased)."""
    img = np.full((40, 120), 255, np.uint8)
    img[10:30, 10:40] = 0
    img[10:30, 60:62] = 0
    return cv2.GaussianBlur(img, (0, 0), 1.0)


def test_negative_shift_drops_the_hairline_and_keeps_the_bar() -> None:
    img = _stroke_image()
    otsu, shifted = binarize(img), binarize(img, -100)
    assert set(np.unique(shifted)) <= {0, 255}
    assert (otsu[:, 55:67] == 0).any() and not (shifted[:, 55:67] == 0).any()
    assert (shifted[15:25, 15:35] == 0).all()
    assert (binarize(img, 60) == 0).sum() > (otsu == 0).sum()  # > 0 thickens


def test_a_shift_that_would_blank_the_line_is_not_applied() -> None:
    """Pale ink that a -100 shift would wipe out keeps Otsu's strokes instead."""
    img = np.full((40, 120), 255, np.uint8)
    img[10:30, 10:40] = 140  # pale print: Otsu's threshold lies between 140 and 255
    otsu = binarize(img)
    assert (otsu == 0).sum() == 20 * 30
    np.testing.assert_array_equal(binarize(img, -100), otsu)
    # A milder shift that keeps the bar is applied (on the blurred stroke image it thins).
    stroke = _stroke_image()
    assert 0 < (binarize(stroke, -30) == 0).sum() < (binarize(stroke) == 0).sum()


def test_shift_range_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="binarize_shift"):
        DegradeParams(binarize_shift=(10, -10))


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((folder / "images").iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_zero_range_keeps_the_dataset_bytes_and_a_range_changes_binarized_lines(
    tmp_path: Path,
) -> None:
    def render(name: str, shift: tuple[int, int]) -> str:
        params = SynthParams.model_validate(
            {"size": 24, "seed": 7, "handwritten_fraction": 0.0,
             "degrade": {"binarize_fraction": 1.0, "binarize_shift": shift}}
        )
        render_dataset(params, tmp_path / name, REPO / "data" / "fonts", workers=1,
                       progress=False)
        return _digest(tmp_path / name)

    unshifted = render("unshifted", (0, 0))
    assert render("again", (0, 0)) == unshifted
    assert render("shifted", (-60, -40)) != unshifted
