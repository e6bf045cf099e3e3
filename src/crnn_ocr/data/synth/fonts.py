"""The font registry: committed fonts, their class, and which characters each one can draw.

Coverage comes from each font's cmap (fontTools). A font is never asked to draw a character
missing from its cmap: :meth:`FontRegistry.choose` only picks among fonts covering the whole line.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crnn_ocr.errors import DataError

log = logging.getLogger(__name__)

CLASS_NAMES = {"printed": 0, "handwritten": 1}
FONTS_CSV_COLUMNS = ("file", "family", "class")
ORTHOGRAPHIES = ("", "any", "pre_reform")
"""Optional ``orthography`` column: empty or ``any`` = every line; ``pre_reform`` = only lines
respelt in pre-reform orthography (``data.synth.text.pre_reform_fraction``), so a period
typeface joins only datasets that ask for old spelling and leaves the others byte-identical."""


@dataclass(frozen=True)
class FontSpec:
    """One font file and the characters (code points) it covers."""

    path: Path
    family: str
    cls: int
    style: str
    covered: frozenset[str]
    pre_reform_only: bool = False

    def missing(self, chars: Iterable[str]) -> set[str]:
        return {ch for ch in set(chars) - self.covered if not ch.isspace()}


def font_coverage(path: Path) -> frozenset[str]:
    """Characters the font's best Unicode cmap maps to a glyph."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except (OSError, TTLibError) as exc:
        raise DataError(f"{path}: not a readable font file: {exc}") from exc
    return frozenset(chr(cp) for cp in cmap)


def read_fonts_csv(fonts_dir: Path) -> list[dict[str, str]]:
    """Rows of ``fonts_dir/fonts.csv`` with paths checked to stay inside ``fonts_dir``."""
    table = fonts_dir / "fonts.csv"
    if not table.is_file():
        raise DataError(f"{table}: font list not found (expected columns {FONTS_CSV_COLUMNS})")
    root = fonts_dir.resolve()
    rows = []
    with table.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing_cols = set(FONTS_CSV_COLUMNS) - set(reader.fieldnames or ())
        if missing_cols:
            raise DataError(f"{table}: missing columns {sorted(missing_cols)}")
        for line, row in enumerate(reader, start=2):
            path = (fonts_dir / row["file"]).resolve()
            if not path.is_relative_to(root):
                raise DataError(f"{table}, row {line}: file {row['file']!r} leaves {fonts_dir}")
            if not path.is_file():
                raise DataError(f"{table}, row {line}: font file {row['file']!r} not found")
            if row["class"] not in CLASS_NAMES:
                raise DataError(
                    f"{table}, row {line}: class {row['class']!r} is not one of "
                    f"{sorted(CLASS_NAMES)}"
                )
            if (row.get("orthography") or "") not in ORTHOGRAPHIES:
                raise DataError(
                    f"{table}, row {line}: orthography {row['orthography']!r} is not one of "
                    "any, pre_reform (or empty)"
                )
            rows.append({**row, "file": str(path)})
    return rows


class FontRegistry:
    """Fonts per class with their glyph coverage of an alphabet."""

    def __init__(self, fonts: list[FontSpec], charset: str) -> None:
        self.fonts = fonts
        self.charset = charset
        self.by_class: dict[int, list[FontSpec]] = {
            c: [f for f in fonts if f.cls == c] for c in CLASS_NAMES.values()
        }

    @classmethod
    def load(cls, fonts_dir: str | Path, charset: str) -> FontRegistry:
        """Read ``fonts.csv``, check coverage of ``charset`` and log what each font lacks."""
        fonts_dir = Path(fonts_dir)
        specs = [
            FontSpec(
                path=Path(row["file"]),
                family=row["family"],
                cls=CLASS_NAMES[row["class"]],
                style=row.get("style") or "normal",
                covered=font_coverage(Path(row["file"])),
                pre_reform_only=row.get("orthography") == "pre_reform",
            )
            for row in read_fonts_csv(fonts_dir)
        ]
        registry = cls(specs, charset)
        for font, missing in registry.missing_report().items():
            log.warning("font %s lacks %d characters: %s", font, len(missing), "".join(missing))
        for c, fonts in registry.by_class.items():
            if not any(not f.pre_reform_only for f in fonts):
                raise DataError(f"{fonts_dir}/fonts.csv: no font of class {c}")
        return registry

    def missing_report(self) -> dict[str, str]:
        """Font file name -> sorted characters of the charset it cannot draw."""
        report = {}
        for font in self.fonts:
            missing = font.missing(self.charset)
            if missing:
                report[font.path.name] = "".join(sorted(missing))
        return report

    def candidates(self, text: str, cls: int, pre_reform: bool = False) -> list[FontSpec]:
        """Fonts of class ``cls`` that cover every character of ``text`` (``pre_reform``: the
        line is in old spelling, or the dataset lets period typefaces draw every line, so
        ``orthography: pre_reform`` fonts may draw it too)."""
        needed = set(text)
        return [
            f for f in self.by_class[cls]
            if not f.missing(needed) and (pre_reform or not f.pre_reform_only)
        ]

    def choose(
        self, text: str, cls: int, rng: np.random.Generator, pre_reform: bool = False
    ) -> FontSpec | None:
        """A random font of ``cls`` covering ``text`` (family first, so every family is equally
        likely whatever its number of styles), or None when no font can draw it."""
        fonts = self.candidates(text, cls, pre_reform)
        if not fonts:
            return None
        families = sorted({f.family for f in fonts})
        family = families[int(rng.integers(len(families)))]
        styles = [f for f in fonts if f.family == family]
        return styles[int(rng.integers(len(styles)))]
