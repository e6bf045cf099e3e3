"""Small font folders for the synthetic-generator tests (real fonts, subset with fontTools)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

REPO = Path(__file__).resolve().parents[3]
FONTS = REPO / "data" / "fonts"
PRINTED = FONTS / "pt-sans" / "PTSans_400Regular.ttf"
HANDWRITTEN = FONTS / "caveat" / "Caveat_400Regular.ttf"


def subset_font(src: Path, dst: Path, drop: str) -> Path:
    """Copy ``src`` to ``dst`` without the characters in ``drop`` (their cmap entries removed)."""
    font = TTFont(src)
    keep = [cp for cp in font.getBestCmap() if chr(cp) not in drop]
    options = subset.Options()
    options.layout_features = ["*"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=keep)
    sub.subset(font)
    dst.parent.mkdir(parents=True, exist_ok=True)
    font.save(dst)
    return dst


def font_dir(folder: Path, fonts: Iterable[tuple[Path, str, str]]) -> Path:
    """A fonts folder: ``fonts.csv`` listing ``(path, family, class)``; files copied in."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "fonts.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "family", "class", "style"])
        for path, family, cls in fonts:
            target = folder / path.name
            if path.resolve() != target.resolve():
                target.write_bytes(path.read_bytes())
            writer.writerow([path.name, family, cls, "normal"])
    return folder
