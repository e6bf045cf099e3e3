"""Rendering: one line, and a dataset of given texts read back (round trip)."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np
from synth_fixtures import FONTS

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import FontRegistry, encode, render_line, render_texts


def test_render_line_draws_dark_ink_on_light_paper() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    params = SynthParams.model_validate({"render": {"rgb_fraction": 0.0, "jpeg_fraction": 0.0}})
    for i, font in enumerate(registry.fonts):
        line = render_line("Съешь ещё, 1905 «Ёж»", font, font.cls, np.random.default_rng(i),
                           params)
        img = line.image
        assert img.dtype == np.uint8 and img.ndim == 2 and line.ext == "png"
        assert 12 <= img.shape[0] <= 200 and img.shape[1] > 3 * img.shape[0], font.path.name
        # Ink: a clearly darker set of pixels than the paper median (faded scans included).
        assert np.percentile(img, 2) < np.median(img) - 40, font.path.name
        decoded = cv2.imdecode(np.frombuffer(encode(line), np.uint8), cv2.IMREAD_UNCHANGED)
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
    assert list(frame.columns) == ["file name", "text", "class", "source"]
    assert frame["text"].tolist() == [unicodedata.normalize("NFC", t) for t, _ in given]
    assert frame["class"].tolist() == [c for _, c in given]
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
