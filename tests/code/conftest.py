"""Shared fixtures of the code tests: a tiny validated dataset (stage input of preprocess)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.paths import Paths

# (text, class, split): 6 train, 2 val, 2 test; every val/test character occurs in train.
LINES: tuple[tuple[str, int, str], ...] = (
    ("Привет, мир", 1, "train"), ("съезд 1917 года", 0, "train"), ("ёлка и ель", 1, "train"),
    ("Шла Саша по шоссе", 0, "train"), ("№ 5 — «да»", 1, "train"), ("ЭТО ТЕКСТ", 0, "train"),
    ("мир да ель", 0, "val"), ("Саша", 1, "val"),
    ("год 1917", 1, "test"), ("ТЕКСТ шоссе", 0, "test"),
)


def line_image(seed: int, height: int = 22, width: int = 100) -> np.ndarray:
    """A grayscale stand-in for a text line: dark strokes on light, slightly noisy paper."""
    rng = np.random.default_rng(seed)
    image = rng.integers(200, 250, size=(height, width), dtype=np.uint8)
    for _ in range(12):
        x = int(rng.integers(2, width - 6))
        y0 = int(rng.integers(2, height // 2))
        image[y0 : height - 3, x : x + int(rng.integers(1, 4))] = rng.integers(0, 60)
    return image


@dataclass(frozen=True)
class Validated:
    root: Path  # project root (Paths.from_root)
    images: Path  # images folder of the dataset
    validated: Path  # folder with manifest.csv + validation.json
    names: list[str]  # file names in manifest order


def write_validated(
    root: Path, lines: Sequence[tuple[str, int, str]] = LINES, images_dir: str = "data/raw/images"
) -> Validated:
    """Images (PNG, some JPEG, some colour) + manifest.csv + validation.json under ``root``."""
    images = root / images_dir
    images.mkdir(parents=True, exist_ok=True)
    validated = root / "data" / "validated"
    validated.mkdir(parents=True, exist_ok=True)
    names = []
    for i, _ in enumerate(lines):
        image = line_image(i, height=18 + 3 * (i % 4), width=70 + 17 * i)
        if i % 3 == 1:
            image = cv2.merge([image, image, np.clip(image.astype(int) + 5, 0, 255).astype("u1")])
        name = f"line_{i:03d}.{'jpg' if i % 4 == 3 else 'png'}"
        assert cv2.imwrite(str(images / name), image)
        names.append(name)
    with open(validated / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file name", "text", "class", "source", "split"])
        for name, (text, klass, split) in zip(names, lines, strict=True):
            writer.writerow([name, text, klass, "synth", split])
    summary = {"passed": True, "images_dir": images_dir, "rows": len(lines), "good": len(lines)}
    (validated / "validation.json").write_text(json.dumps(summary), encoding="utf-8")
    return Validated(root, images, validated, names)


@pytest.fixture(scope="session")
def write_validated_fn() -> Callable[..., Validated]:
    """``write_validated`` itself, for module- or session-scoped fixtures."""
    return write_validated


@pytest.fixture
def validated_factory(tmp_path: Path) -> Callable[..., Validated]:
    """Call with optional ``lines`` / ``root`` to write a validated dataset in ``tmp_path``."""

    def make(lines: Sequence[tuple[str, int, str]] = LINES, root: Path | None = None) -> Validated:
        return write_validated(root or tmp_path / "project", lines)

    return make


def _name_fonts(paths: Paths) -> dict[str, str]:
    """A data/raw/labels.csv naming a font for every validated line, as synthetic lines do."""
    import pandas as pd

    from crnn_ocr.data.manifest import write_labels

    frame = pd.read_csv(paths.validated / "manifest.csv", dtype=str, keep_default_na=False)
    frame["font"] = ["FontA" if i % 2 else "FontB" for i in range(len(frame))]
    paths.raw.mkdir(parents=True, exist_ok=True)
    write_labels(frame, paths.raw)
    return dict(zip(frame["file name"], frame["font"], strict=True))


@pytest.fixture
def name_fonts() -> Callable[[Paths], dict[str, str]]:
    """Call with a project's Paths: writes data/raw/labels.csv with a ``font`` per line."""
    return _name_fonts
