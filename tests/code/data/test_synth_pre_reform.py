"""Pre-reform spelling of synthetic lines: the rules, the share of lines, fonts and params."""

from __future__ import annotations

import numpy as np
import pytest
from synth_fixtures import FONTS, HANDWRITTEN, PRINTED, font_dir

from crnn_ocr.config import load_params
from crnn_ocr.config.loader import ConfigError
from crnn_ocr.config.synth import SynthParams, TextParams
from crnn_ocr.core.codec import MODERN_RUSSIAN, NAMED_CHARSETS
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import FontRegistry, render_dataset
from crnn_ocr.data.synth.pre_reform import to_pre_reform
from crnn_ocr.data.synth.text import TextGenerator, fit_length
from crnn_ocr.errors import DataError
from crnn_ocr.paths import Paths


@pytest.mark.parametrize(("modern", "old"), [
    ("Россия и армии в городе, где нет лесов.", "Россія и арміи въ городѣ, гдѣ нѣтъ лѣсовъ."),
    ("ЧЕЛОВЕК ДОМ", "ЧЕЛОВѢКЪ ДОМЪ"),
    ("г. Москва, ул. Лесная, д. 5, кв. 7", "г. Москва, ул. Лѣсная, д. 5, кв. 7"),
    ("Рязанского уезда рассказ бесполезный", "Рязанскаго уѣзда разсказъ безполезный"),
    ("Ханты-Мансийск её 10 лет", "Ханты-Мансійскъ ея 10 лѣтъ"),
    ("на новое место в поле", "на новое мѣсто въ полѣ"),
    ("Иоанн Днепр синий", "Іоаннъ Днѣпръ синій"),
    ("с 5 по 9 января 1899 г.", "съ 5 по 9 января 1899 г."),
    ("№ 12, 50% — ok", "№ 12, 50% — ok"),
])
def test_pre_reform_rules(modern: str, old: str) -> None:
    assert to_pre_reform(modern) == old


def test_fraction_zero_draws_nothing_and_changes_nothing() -> None:
    generator = TextGenerator(TextParams(), MODERN_RUSSIAN)
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert generator.spelling("лес", rng) == ("лес", False)
    assert rng.random() == twin.random()  # no draw: old datasets keep their bytes


def test_pre_reform_lines_are_the_modern_lines_respelt() -> None:
    params = TextParams(pre_reform_fraction=1.0)
    modern, old = TextGenerator(TextParams(), MODERN_RUSSIAN), TextGenerator(params, MODERN_RUSSIAN)
    allowed = set(NAMED_CHARSETS["pre_reform"])
    hard_signs = 0
    for i in range(300):
        text = modern.generate(np.random.default_rng([9, i]))
        rng = np.random.default_rng([9, i])
        respelt, is_old = old.spelling(old.generate(rng), rng)
        assert is_old and respelt == fit_length(to_pre_reform(text), params.max_chars)
        assert set(respelt) <= allowed and len(respelt) <= params.max_chars
        hard_signs += respelt.count("ъ")
    assert hard_signs > 300  # most lines end a word in a consonant


def test_period_fonts_draw_pre_reform_lines_or_all_lines_when_asked(tmp_path) -> None:
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed"),
                                          (HANDWRITTEN, "Caveat", "handwritten")])
    period = FONTS / "old-standard-tt" / "OldStandardTT_400Regular.ttf"
    (fonts / period.name).write_bytes(period.read_bytes())
    with open(fonts / "fonts.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{period.name},Old Standard TT,printed,normal,pre_reform\n")
    text = (fonts / "fonts.csv").read_text(encoding="utf-8")
    (fonts / "fonts.csv").write_text(text.replace("style\n", "style,orthography\n", 1),
                                     encoding="utf-8")
    registry = FontRegistry.load(fonts, MODERN_RUSSIAN)
    assert {f.family for f in registry.candidates("домъ", 0)} == {"PT Sans"}
    assert {f.family for f in registry.candidates("домъ", 0, pre_reform=True)} == {
        "PT Sans", "Old Standard TT"}

    def fonts_used(fraction: float, out: str, period: str = "pre_reform_lines") -> set[str]:
        params = SynthParams(size=40, seed=3, workers=1, handwritten_fraction=0.0,
                             text=TextParams(pre_reform_fraction=fraction, period_fonts=period))
        render_dataset(params, tmp_path / out, fonts, workers=1, progress=False)
        rows = read_labels(tmp_path / out)
        return set(rows["font"])

    assert fonts_used(0.0, "modern") == {"PTSans_400Regular"}
    assert "OldStandardTT_400Regular" in fonts_used(1.0, "old")
    # Almost every line modern: the period face draws them only when asked to draw all lines.
    assert fonts_used(1e-6, "rare") == {"PTSans_400Regular"}
    assert "OldStandardTT_400Regular" in fonts_used(1e-6, "rare_all", "all_lines")


def test_unknown_orthography_names_the_row(tmp_path) -> None:
    fonts = font_dir(tmp_path / "fonts", [(PRINTED, "PT Sans", "printed"),
                                          (HANDWRITTEN, "Caveat", "handwritten")])
    text = (fonts / "fonts.csv").read_text(encoding="utf-8").splitlines()
    text[0] += ",orthography"
    text[1] += ",old"
    (fonts / "fonts.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"fonts.csv, row 2: orthography 'old'"):
        FontRegistry.load(fonts, MODERN_RUSSIAN)


def test_pre_reform_lines_need_a_charset_that_lets_them_through() -> None:
    params_file = Paths.from_root().params_file
    with pytest.raises(ConfigError, match=r"validation.charset=pre_reform") as caught:
        load_params(params_file, ["data.synth.text.pre_reform_fraction=0.3"])
    assert f"{params_file}: data.synth.text.pre_reform_fraction=0.3 writes" in str(caught.value)
    params = load_params(params_file, ["data.synth.text.pre_reform_fraction=0.3",
                                       "validation.charset=pre_reform"])
    assert params.data.synth.text.pre_reform_fraction == 0.3
