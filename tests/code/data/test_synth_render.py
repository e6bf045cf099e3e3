"""Rendering: one line, and a dataset of given texts read back (round trip)."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np
import pytest
from synth_fixtures import FONTS

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import FontRegistry, encode, render_line, render_texts
from crnn_ocr.data.synth.render import draw_jittered_mask, draw_mask, draw_spaced_mask


def test_render_line_draws_dark_ink_on_light_paper() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    # No binarization: a shifted threshold thins hairline faces on purpose (tested on its own).
    params = SynthParams.model_validate({"render": {"rgb_fraction": 0.0, "jpeg_fraction": 0.0},
                                         "degrade": {"binarize_fraction": 0.0}})
    for i, font in enumerate(registry.fonts):
        line = render_line("Съешь ещё, 1905 «Ёж»", font, font.cls, np.random.default_rng(i),
                           params)
        img = line.image
        assert img.dtype == np.uint8 and img.ndim == 2 and line.ext == "png"
        assert 12 <= img.shape[0] <= 200 and img.shape[1] > 3 * img.shape[0], font.path.name
        # Ink: a clearly darker set of pixels than the paper median (faded scans included).
        assert np.percentile(img, 2) < np.median(img) - 40, font.path.name
        decoded = cv2.imdecode(np.frombuffer(encode(line), np.uint8), cv2.IMREAD_UNCHANGED)
        assert decoded is not None
        assert np.array_equal(decoded, img)  # PNG is lossless


def test_render_texts_round_trip(tmp_path) -> None:
    given = [
        ("Привет, мир!", 0),
        (unicodedata.normalize("NFD", "Ёжик и йод"), 1),  # stored as NFC
        ("№ 5 — 100%", 0),
        ("«ПОДЪЁМ» (Щука)", 1),
    ]
    params = SynthParams.model_validate({"render": {"jpeg_fraction": 0.5, "rgb_fraction": 0.5}})
    result = render_texts(given, params, tmp_path / "ds", FONTS)
    frame = read_labels(tmp_path / "ds")
    assert result.rows == 4 and result.handwritten == 2
    assert list(frame.columns) == ["file name", "text", "class", "source", "font"]
    assert frame["text"].tolist() == [unicodedata.normalize("NFC", t) for t, _ in given]
    assert frame["class"].tolist() == [c for _, c in given]
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    for font, cls in zip(frame["font"], frame["class"], strict=True):  # a font of the row's class
        assert font in {f.path.stem for f in registry.fonts if f.cls == cls}, (font, cls)
    assert set(frame["source"]) == {"synth"}
    assert frame["file name"].tolist() == [
        f"synth_{i:06d}.{n.rsplit('.', 1)[1]}" for i, n in enumerate(frame["file name"], 1)
    ]
    for name in frame["file name"]:
        img = cv2.imdecode(np.fromfile(tmp_path / "ds" / "images" / name, np.uint8),
                           cv2.IMREAD_UNCHANGED)
        assert img is not None and img.shape[0] >= 12
        assert img.ndim == 2 or img.shape[2] == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds")]


def _letter_bottoms(mask: np.ndarray) -> list[int]:
    """Lowest ink row of each connected letter, left to right."""
    count, _, stats, _ = cv2.connectedComponentsWithStats((mask > 128).astype(np.uint8))
    boxes = sorted(stats[1:count].tolist())  # by left edge
    return [top + height for _, top, _, height, _ in boxes]


def test_glyph_jitter_moves_handwritten_letters_off_the_ruler() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    font = next(f for f in registry.fonts if f.path.name == "Pangolin_400Regular.ttf")
    text = "о о о о о о о о о о о о"  # separate letters sitting on one baseline
    plain = _letter_bottoms(draw_mask(text, font, 40, 0))
    jittered = _letter_bottoms(draw_jittered_mask(text, font, 40, 0,
                                                  np.random.default_rng(0), 1.0))
    assert len(plain) == len(jittered) == 12
    assert np.ptp(plain) == 0 and np.ptp(jittered) >= 2
    none = _letter_bottoms(draw_jittered_mask(text, font, 40, 0, np.random.default_rng(0), 0.0))
    assert np.ptp(none) == 0


def test_glyph_jitter_leaves_printed_lines_byte_identical() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    printed = next(f for f in registry.fonts if f.cls == 0)
    handwritten = next(f for f in registry.fonts if f.cls == 1)
    on = SynthParams.model_validate({"render": {"glyph_jitter": [0.3, 1.0]}})
    off = SynthParams()
    draw = lambda font, params: render_line(  # noqa: E731
        "Съешь ещё", font, font.cls, np.random.default_rng(5), params).image
    assert np.array_equal(draw(printed, on), draw(printed, off))
    assert not np.array_equal(draw(handwritten, on), draw(handwritten, off))


def test_glyph_jitter_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="glyph_jitter"):
        SynthParams.model_validate({"render": {"glyph_jitter": [-0.5, 1.0]}})


def test_letter_spacing_widens_printed_lines_by_the_room_it_adds() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    font = next(f for f in registry.fonts if f.path.name == "PTSans_400Regular.ttf")
    text = "разрядка"
    plain, spaced = draw_mask(text, font, 40, 0), draw_spaced_mask(text, font, 40, 0, 0.5)
    assert plain.shape[0] == spaced.shape[0]
    added = spaced.shape[1] - plain.shape[1]
    assert abs(added - 0.5 * 40 * (len(text) - 1)) <= 4  # kerning and rounding: a few px
    count = lambda m: cv2.connectedComponents((m > 128).astype(np.uint8))[0]  # noqa: E731
    assert count(spaced) - 1 == len(text)  # every letter stands apart


def test_letter_spacing_touches_only_printed_lines_and_only_when_asked() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    printed = next(f for f in registry.fonts if f.cls == 0)
    handwritten = next(f for f in registry.fonts if f.cls == 1)
    on = SynthParams.model_validate({"render": {"letter_spacing_fraction": 1.0,
                                                "letter_spacing": [0.4, 0.4]}})
    zero = SynthParams.model_validate({"render": {"letter_spacing_fraction": 0.0,
                                                  "letter_spacing": [0.4, 0.4]}})
    draw = lambda font, params: render_line(  # noqa: E731
        "Съешь ещё этих булок", font, font.cls, np.random.default_rng(5), params).image
    assert np.array_equal(draw(printed, zero), draw(printed, SynthParams()))  # no draw at 0
    assert np.array_equal(draw(handwritten, on), draw(handwritten, SynthParams()))
    assert draw(printed, on).shape[1] > 1.3 * draw(printed, SynthParams()).shape[1]


@pytest.mark.parametrize("bounds", [[-0.1, 0.3], [0.5, 0.2], [0.1, 2.5]])
def test_letter_spacing_bounds_are_checked(bounds: list[float]) -> None:
    with pytest.raises(ValueError, match="letter_spacing"):
        SynthParams.model_validate({"render": {"letter_spacing": bounds}})
