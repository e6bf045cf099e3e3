"""Reframing: the ink spans a set share of the height whatever margin the line came with."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from crnn_ocr.core.preprocessing import threshold_image
from crnn_ocr.core.reframe import ink_rows, paper_colour, reframe_rows


def _line(top: int, bottom: int, paper: int = 200) -> np.ndarray:
    """A 20-row band of strokes (rows 0-19 of the ink) with ``top``/``bottom`` rows of paper."""
    rng = np.random.default_rng(0)
    ink = np.full((20, 300), paper, dtype=np.uint8)
    for x in range(5, 290, 11):
        cv2.line(ink, (x, 18), (x + int(rng.integers(1, 6)), 1), 30, 2)
    pad = (np.full((top, 300), paper, np.uint8), np.full((bottom, 300), paper, np.uint8))
    return np.vstack([pad[0], ink, pad[1]])


def _fill(image: np.ndarray) -> float:
    rows = ink_rows(image)
    assert rows is not None
    return (rows[1] - rows[0]) / image.shape[0]


@pytest.mark.parametrize(("top", "bottom"), [(0, 0), (2, 30), (25, 3), (40, 40)])
def test_any_margin_becomes_the_same_framing(top: int, bottom: int) -> None:
    tight = reframe_rows(_line(0, 0), 0.7)
    framed = reframe_rows(_line(top, bottom), 0.7)
    assert framed.shape == tight.shape
    np.testing.assert_array_equal(framed, tight)
    assert _fill(framed) == pytest.approx(0.7, abs=0.03)
    assert framed.shape[1] == 300, "columns are left alone"


def test_ink_is_never_cut_and_reframing_twice_changes_nothing() -> None:
    line = _line(9, 17)
    once = reframe_rows(line, 0.6)
    original_ink = int((threshold_image(line) > 0).sum())
    assert int((threshold_image(once) > 0).sum()) == original_ink
    np.testing.assert_array_equal(reframe_rows(once, 0.6), once)
    assert reframe_rows(line, 1.0).shape[0] == 20, "fill 1: cropped to the ink"


def test_padding_is_the_paper_colour_so_no_edge_turns_to_ink() -> None:
    grey = _line(3, 3, paper=170)
    framed = reframe_rows(grey, 0.5)
    assert framed.shape[0] == 40
    assert (framed[:10] == 170).all() and (framed[-10:] == 170).all()
    colour = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    colour[..., 2] = np.where(colour[..., 2] > 100, 180, colour[..., 2])  # reddish paper
    assert paper_colour(colour) == [170.0, 170.0, 180.0]
    framed = reframe_rows(colour, 0.5)
    assert framed.shape == (40, 300, 3) and (framed[0] == [170, 170, 180]).all()


def test_a_line_without_ink_is_returned_unchanged_and_a_bad_fill_is_refused() -> None:
    white = np.full((30, 100), 255, dtype=np.uint8)
    assert reframe_rows(white, 0.7) is white
    assert ink_rows(white) is None
    for bad in (0.0, 1.5, -0.2):
        with pytest.raises(ValueError, match="ink_fill must be in"):
            reframe_rows(_line(2, 2), bad)


def test_paper_colour_is_numpys_median_for_any_uint8_line() -> None:
    """The histogram median must equal np.median, or reframed lines would change."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        shape: tuple[int, ...] = (int(rng.integers(1, 40)), int(rng.integers(1, 90)))
        if rng.random() < 0.5:
            shape = (*shape, 3)
        image = rng.integers(0, 256, shape).astype(np.uint8)
        if rng.random() < 0.5:  # mostly paper, as a line is
            image = np.where(rng.random(shape) < 0.7, 200, image).astype(np.uint8)
        if rng.random() < 0.3:
            image = image[:, ::2]  # a strided view
        flat = image.reshape(-1, image.shape[2] if image.ndim == 3 else 1)
        assert paper_colour(image) == [float(v) for v in np.median(flat, axis=0)]
    assert paper_colour(np.full((5, 5), 0.25, np.float32)) == [0.25]  # not uint8: numpy's
