"""Expectations on a freshly rendered synthetic dataset (and how it compares with real lines)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import render_dataset
from crnn_ocr.paths import Paths

REPO = Path(__file__).resolve().parents[2]
SIZE = 240


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "ds"
    render_dataset(SynthParams(size=SIZE, seed=42), out, REPO / "data" / "fonts", workers=1,
                   progress=False)
    return out


def _heights(folder: Path, names: list[str]) -> np.ndarray:
    sizes = []
    for name in names:
        img = cv2.imread(str(folder / "images" / name), cv2.IMREAD_UNCHANGED)
        assert img is not None, name
        sizes.append(img.shape[:2])
    return np.array(sizes)


def test_rows_texts_and_classes(dataset: Path) -> None:
    frame = read_labels(dataset)
    assert len(frame) == SIZE and frame["file name"].is_unique
    assert frame["file name"].str.fullmatch(r"synth_\d{6}\.(png|jpg)").all()
    assert all(set(t) <= set(MODERN_RUSSIAN) for t in frame["text"])
    assert frame["text"].str.len().between(1, 80).all()
    assert 0.38 <= frame["class"].mean() <= 0.62
    assert set(frame["source"]) == {"synth"}
    exts = frame["file name"].str.rsplit(".", n=1).str[1].value_counts()
    assert exts.get("jpg", 0) > 40 and exts.get("png", 0) > 80


def test_images_decode_with_line_geometry(dataset: Path) -> None:
    frame = read_labels(dataset)
    sizes = _heights(dataset, frame["file name"].tolist())
    heights, widths = sizes[:, 0], sizes[:, 1]
    assert heights.min() >= 12 and heights.max() <= 160
    assert np.median(widths / heights) > 4  # text lines, not blocks
    assert np.all(widths >= heights * 0.5)


def test_heights_comparable_to_real_lines(dataset: Path) -> None:
    real = Paths.from_root(REPO).shared_real
    if not (real / "labels.csv").is_file():
        pytest.skip(f"real sample not present at {real}")
    real_frame = read_labels(real, strict=False).iloc[::10]
    real_h = np.median(_heights(real, real_frame["file name"].tolist())[:, 0])
    synth_h = np.median(_heights(dataset, read_labels(dataset)["file name"].tolist())[:, 0])
    assert real_h / 2 <= synth_h <= real_h * 2, (synth_h, real_h)
