"""Reading lines at the width their text needs (tiny real models, 16x64 canvas, 2 columns per
time step)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr import Recognizer
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference import widths
from crnn_ocr.inference.recognizer import load_keras


def _line(png_line, seed: int, width: int) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(png_line(seed, width=width), np.uint8),
                         cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def test_bucket_is_text_plus_one_height_rounded_up_to_the_step() -> None:
    assert widths.bucket(27, (16, 64), 16) == 48  # 27 + 16 -> 48
    assert widths.bucket(32, (16, 64), 16) == 48
    assert widths.bucket(33, (16, 64), 16) == 64
    assert widths.bucket(60, (16, 64), 16) == 64  # never wider than the canvas
    assert widths.bucket(1, (32, 512), 128) == 128
    assert widths.bucket(300, (32, 512), None) == 512


def test_at_width_shares_the_weights_and_shortens_time(tiny_bundle: Path) -> None:
    model = load_keras(tiny_bundle / "recognizer.keras")
    assert widths.time_stride(model) == 2
    narrow = widths.at_width(model, 32)
    assert narrow.input_shape[1:] == (32, 16, 1)
    assert narrow.output_shape[1] == model.output_shape[1] // 2
    for a, b in zip(narrow.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert widths.at_width(model, 64) is model
    assert [m.input_shape[1] for m in widths.variants(model, 16)] == [16, 32, 48, 64]
    assert widths.variants(model, None) == [model]


@pytest.mark.parametrize("backend", ["keras", "litert"])
def test_each_line_is_read_at_its_bucket_in_input_order(
    tiny_bundle: Path, png_line, backend: str
) -> None:
    """Mixed widths in one call (batch 2): every line's text and confidence are those of the
    recogniser rebuilt at its bucket width reading its cropped canvas, and the results keep
    the input order."""
    from crnn_ocr.models import ctc

    rec = Recognizer.load(tiny_bundle, batch_size=2, backend=backend, width_step=16,
                          quantize="none")
    lines = [_line(png_line, seed, width) for seed, width in
             [(0, 40), (1, 120), (2, 24), (3, 44), (4, 90)]]
    got = rec.predict(lines)
    expected_widths = []
    for line, prediction in zip(lines, got, strict=True):
        rotated = rec.preprocess.apply(line, ocr=True)
        content = round(line.shape[1] * 16 / line.shape[0])
        width = widths.bucket(content, (16, 64), 16)
        expected_widths.append(width)
        x = rotated[:width].astype(np.float32)[None, ..., None] / 255.0
        probs = np.asarray(widths.at_width(rec.recognizer, width)(x, training=False))
        (reading,) = ctc.decode(probs, rec.alphabet)
        assert prediction.text == reading.text
        assert prediction.confidence == pytest.approx(reading.confidence, abs=1e-4)
    assert sorted(set(expected_widths)) == [32, 48, 64]
    assert sorted(rec._readers) == [32, 48, 64]
    alone = [rec.predict([line])[0] for line in lines]
    assert [(p.text, p.confidence) for p in alone] == [(p.text, p.confidence) for p in got]


def test_without_a_step_every_line_is_read_on_the_whole_canvas(
    tiny_bundle: Path, png_line
) -> None:
    rec = Recognizer.load(tiny_bundle, width_step=None)
    rec.predict([_line(png_line, 0, 24), _line(png_line, 1, 40)])
    assert list(rec._readers) == [64]


def test_a_step_the_recogniser_cannot_be_cut_at_is_refused(tiny_bundle: Path) -> None:
    with pytest.raises(CrnnOcrError, match=r"inference.width_step=3 must be a positive "
                                           r"multiple of 2"):
        Recognizer.load(tiny_bundle, width_step=3)
