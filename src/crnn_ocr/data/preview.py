"""Look at a dataset: a contact sheet of random lines with their labels, and character coverage.

The sheet is how a person checks that rendered (or imported) lines look like real scans and that
labels match images; the coverage report says whether every alphabet character is frequent
enough to learn, per class.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO, cast

import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.manifest import IMAGES, NO_FONT, read_labels
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_file

CELL_W, THUMB_H, LABEL_H, GAP = 420, 64, 22, 8
LABEL_FONT = "pt-sans/PTSans_400Regular.ttf"


@dataclass(frozen=True)
class CharCount:
    char: str
    printed: int
    handwritten: int

    @property
    def total(self) -> int:
        return self.printed + self.handwritten


@dataclass(frozen=True)
class PreviewResult:
    sheet: Path
    coverage_csv: Path
    coverage_json: Path
    rows: int
    shown: int
    counts: tuple[CharCount, ...]
    missing: str  # alphabet characters that never occur


def char_coverage(texts: list[str], classes: list[int], alphabet: str = MODERN_RUSSIAN
                  ) -> tuple[CharCount, ...]:
    """Occurrences of each character per class: alphabet characters first (zeros included),
    then any other character found, so strays are visible too."""
    per_class: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
    for text, cls in zip(texts, classes, strict=True):
        per_class[int(cls)].update(text)
    chars = list(dict.fromkeys(alphabet))
    chars += sorted(set(per_class[0]) | set(per_class[1]) - set(chars))
    return tuple(CharCount(ch, per_class[0][ch], per_class[1][ch]) for ch in chars)


def _thumb(path: Path) -> Image.Image:
    try:
        with Image.open(path) as source:
            img = source.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(f"{path}: cannot decode image: {exc}") from exc
    scale = min(THUMB_H / img.height, CELL_W / img.width, 2.0)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS)


def contact_sheet(dataset: Path, names: list[str], texts: list[str], classes: list[int],
                  out: Path, label_font: Path, columns: int = 3) -> None:
    """Draw each image with ``[class] text`` under it into one PNG at ``out``."""
    font = ImageFont.truetype(str(label_font), 15)
    rows = max(1, -(-len(names) // columns))
    cell_h = THUMB_H + LABEL_H + GAP
    sheet = Image.new("RGB", (columns * (CELL_W + GAP) + GAP, rows * cell_h + GAP), (90, 90, 90))
    draw = ImageDraw.Draw(sheet)
    for i, (name, text, cls) in enumerate(zip(names, texts, classes, strict=True)):
        x = GAP + (i % columns) * (CELL_W + GAP)
        y = GAP + (i // columns) * cell_h
        sheet.paste(_thumb(dataset / IMAGES / name), (x, y))
        label = f"[{'HW' if cls else 'PR'}] {text}"
        while font.getlength(label) > CELL_W and len(label) > 4:
            label = label[:-2] + "…"
        draw.text((x, y + THUMB_H + 2), label, font=font,
                  fill=(255, 230, 120) if cls else (170, 230, 255))
    with atomic_file(out, "wb") as handle:
        sheet.save(cast(BinaryIO, handle), format="PNG")


def preview(dataset: str | Path, out: str | Path, fonts_dir: str | Path, n: int = 48,
            seed: int = 0) -> PreviewResult:
    """Write ``out`` (the sheet) and ``<out stem>_coverage.csv/.json`` for ``dataset``."""
    dataset, out = Path(dataset), Path(out)
    if out.suffix.lower() != ".png":
        raise DataError(f"{out}: the contact sheet is written as PNG (use a .png name)")
    label_font = Path(fonts_dir) / LABEL_FONT
    if not label_font.is_file():
        raise DataError(f"{label_font}: label font not found (needed to draw Cyrillic labels)")
    frame = read_labels(dataset)  # validates paths (nothing may escape the dataset folder)
    texts, classes = frame["text"].tolist(), frame["class"].astype(int).tolist()
    pick = np.sort(np.random.default_rng(seed).permutation(len(frame))[: max(0, n)])
    names = frame["file name"].tolist()
    contact_sheet(dataset, [names[i] for i in pick], [texts[i] for i in pick],
                  [classes[i] for i in pick], out, label_font)

    counts = char_coverage(texts, classes)
    present = {c.char for c in counts if c.total}
    missing = "".join(ch for ch in MODERN_RUSSIAN if ch not in present)
    csv_path = out.with_name(f"{out.stem}_coverage.csv")
    json_path = out.with_name(f"{out.stem}_coverage.json")
    with atomic_file(csv_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(cast(TextIO, handle))
        writer.writerow(("char", "codepoint", "total", "printed", "handwritten", "in_alphabet"))
        for c in counts:
            writer.writerow((c.char, f"U+{ord(c.char):04X}", c.total, c.printed, c.handwritten,
                             int(c.char in MODERN_RUSSIAN)))
    summary = {
        "dataset": str(dataset),
        "rows": len(frame),
        "handwritten": int(sum(classes)),
        "printed": len(frame) - int(sum(classes)),
        "alphabet_min_count": min((c.total for c in counts if c.char in MODERN_RUSSIAN),
                                  default=0),
        "missing_alphabet_chars": missing,
        "chars": {c.char: {"printed": c.printed, "handwritten": c.handwritten} for c in counts},
    }
    if "font" in frame.columns:  # synthetic lines: how many each font drew
        summary["fonts"] = {str(font): int(lines) for font, lines
                            in frame["font"].replace("", NO_FONT).value_counts().items()}
    with atomic_file(json_path, "w", encoding="utf-8") as handle:
        json.dump(summary, cast(TextIO, handle), ensure_ascii=False, indent=1)
    return PreviewResult(out, csv_path, json_path, len(frame), len(pick), counts, missing)
