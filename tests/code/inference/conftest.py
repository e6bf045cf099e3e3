"""Tiny real models (built by the real builders, untrained) and tiny line images on disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.config import Params
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet

TINY = {
    "preprocess": {"height": 16, "width": 64},
    "train": {
        "classifier": {"conv_filters": [4], "dense_units": 8},
        "ocr": {"model": {"conv_blocks": [{"filters": 4, "pool": [2, 2]},
                                          {"filters": 8, "pool": [1, 2]}],
                          "lstm_units": 8, "lstm_layers": 1}},
    },
}


def line_png(seed: int, width: int = 120, height: int = 24) -> bytes:
    """A line-like grayscale PNG: dark strokes on light paper, different for each seed."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width), 235, dtype=np.uint8)
    for x in range(4, width - 8, 9):
        cv2.line(image, (x, height - 5), (x + int(rng.integers(1, 7)), 5), 20, 2)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


@pytest.fixture()
def decoded_line():
    """``decoded_line(seed)`` -> the grayscale array of :func:`line_png`."""
    return lambda seed: cv2.imdecode(np.frombuffer(line_png(seed), np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.fixture()
def png_line():
    return line_png


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from crnn_ocr.inference.bundle import build_untrained_bundle

    out = tmp_path_factory.mktemp("bundle") / "bundle"
    build_untrained_bundle(Params.model_validate(TINY), out, Alphabet.from_charset(MODERN_RUSSIAN))
    return out


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    """images/ with 5 good lines (2 printed, 3 handwritten) and one broken file + labels.csv."""
    images = tmp_path / "ds" / "images"
    images.mkdir(parents=True)
    rows = ["file name,text,class"]
    for i in range(5):
        (images / f"line{i}.png").write_bytes(line_png(i))
        rows.append(f"line{i}.png,строка {i},{int(i >= 2)}")
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    rows.append("broken.png,сломано,0")
    (tmp_path / "ds" / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "ds"
