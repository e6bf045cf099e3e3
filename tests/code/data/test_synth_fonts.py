"""The font registry: committed fonts, licences and glyph coverage."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from synth_fixtures import FONTS, HANDWRITTEN, PRINTED, font_dir, subset_font

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import FontRegistry, render_dataset, render_line
from crnn_ocr.errors import DataError


def test_committed_fonts_cover_the_alphabet_and_carry_licences() -> None:
    registry = FontRegistry.load(FONTS, MODERN_RUSSIAN)
    printed = {f.family for f in registry.by_class[0]}
    handwritten = registry.by_class[1]
    assert len(printed) >= 8
    assert len(handwritten) >= 10
    assert registry.missing_report() == {}
    with open(FONTS / "fonts.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(registry.fonts)
    for row in rows:
        assert row["licence"] == "OFL-1.1"
        assert row["source"].startswith("npm @expo-google-fonts/")
        licence = (FONTS / row["file"]).parent / "OFL.txt"
        assert "SIL OPEN FONT LICENSE" in licence.read_text(encoding="utf-8").upper()
    assert (FONTS / "README.md").is_file()


def test_a_font_lacking_a_char_is_never_chosen_for_it(tmp_path) -> None:
    lacking = subset_font(HANDWRITTEN, tmp_path / "src" / "NoShcha.ttf", drop="щЩ")
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed"),
                                          (lacking, "Caveat-lite", "handwritten"),
                                          (HANDWRITTEN, "Caveat", "handwritten")])
    registry = FontRegistry.load(fonts, MODERN_RUSSIAN)
    assert registry.missing_report() == {"NoShcha.ttf": "Щщ"}
    rng = np.random.default_rng(0)
    chosen_for_shcha = {registry.choose("площадь", 1, rng).path.name for _ in range(50)}
    chosen_other = {registry.choose("улица", 1, rng).path.name for _ in range(50)}
    assert chosen_for_shcha == {"Caveat_400Regular.ttf"}
    assert chosen_other == {"Caveat_400Regular.ttf", "NoShcha.ttf"}
    # The renderer refuses outright rather than drawing empty boxes.
    lacking_spec = next(f for f in registry.fonts if f.path.name == "NoShcha.ttf")
    with pytest.raises(DataError, match="cannot draw"):
        render_line("щи", lacking_spec, 1, rng, SynthParams())


def test_dataset_lines_avoid_chars_the_only_font_lacks(tmp_path) -> None:
    # The only handwritten font cannot draw "о" (the commonest letter): texts are redrawn.
    lacking = subset_font(HANDWRITTEN, tmp_path / "src" / "NoO.ttf", drop="оО")
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed"),
                                          (lacking, "Caveat-lite", "handwritten")])
    params = SynthParams(size=40, seed=5, handwritten_fraction=1.0)
    render_dataset(params, tmp_path / "ds", fonts, workers=1, progress=False)
    frame = read_labels(tmp_path / "ds")
    assert len(frame) == 40 and set(frame["class"]) == {1}
    assert not [t for t in frame["text"] if "о" in t or "О" in t]


def test_no_font_for_any_text_fails_with_a_clear_error(tmp_path) -> None:
    latin_only = subset_font(HANDWRITTEN, tmp_path / "src" / "Latin.ttf",
                             drop=MODERN_RUSSIAN.replace(" ", ""))
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed"),
                                          (latin_only, "Latin", "handwritten")])
    params = SynthParams(size=10, handwritten_fraction=1.0)
    with pytest.raises(DataError, match="no class-1 font covers"):
        render_dataset(params, tmp_path / "ds", fonts, workers=1, progress=False)
    assert not (tmp_path / "ds").exists()


def test_bad_font_table_names_file_and_row(tmp_path) -> None:
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed")])
    with open(fonts / "fonts.csv", "a", encoding="utf-8") as handle:
        handle.write("../outside.ttf,X,printed,normal\n")
    with pytest.raises(DataError, match=r"fonts.csv, row 3: .*leaves"):
        FontRegistry.load(fonts, MODERN_RUSSIAN)
    broken = font_dir(tmp_path / "broken", [(PRINTED, "PT Sans", "printed")])
    (broken / "PTSans_400Regular.ttf").write_bytes(b"not a font")
    with pytest.raises(DataError, match="not a readable font"):
        FontRegistry.load(broken, MODERN_RUSSIAN)
