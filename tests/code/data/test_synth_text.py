"""The text generator: alphabet, lengths, NFC, determinism, rare characters."""

from __future__ import annotations

import unicodedata
from collections import Counter

import numpy as np
import pytest

from crnn_ocr.config.synth import TextParams
from crnn_ocr.core.codec import MODERN_RUSSIAN
from crnn_ocr.data.synth.text import TextGenerator, fit_length


@pytest.fixture(scope="module")
def generator() -> TextGenerator:
    return TextGenerator(TextParams(), MODERN_RUSSIAN)


def test_lines_use_only_the_alphabet_within_length_and_nfc(generator: TextGenerator) -> None:
    allowed = set(MODERN_RUSSIAN)
    texts = [generator.generate(np.random.default_rng([7, i])) for i in range(1500)]
    lengths = [len(t) for t in texts]
    assert min(lengths) >= 1 and max(lengths) <= 80
    assert max(lengths) >= 70 and min(lengths) <= 5  # one word up to full lines
    for text in texts:
        assert set(text) <= allowed, text
        assert text == unicodedata.normalize("NFC", text) == text.strip()
        assert "  " not in text
    # Windows cut from running text start or end mid-word (a lower-case letter, no capital).
    assert sum(t[0].islower() for t in texts) > 100
    assert len(set(texts)) > 1400


def test_same_seed_same_text_different_seed_different(generator: TextGenerator) -> None:
    a = [generator.generate(np.random.default_rng([1, i])) for i in range(50)]
    b = [generator.generate(np.random.default_rng([1, i])) for i in range(50)]
    c = [generator.generate(np.random.default_rng([2, i])) for i in range(50)]
    assert a == b
    assert a != c


@pytest.mark.parametrize("ch", sorted(set(MODERN_RUSSIAN)))
def test_snippet_contains_its_character(generator: TextGenerator, ch: str) -> None:
    for i in range(5):
        assert ch in generator.snippet_with(ch, np.random.default_rng(i))


def test_boosted_lines_cover_every_character() -> None:
    generator = TextGenerator(TextParams(boost_fraction=1.0), MODERN_RUSSIAN)
    counts = Counter("".join(generator.generate(np.random.default_rng([3, i]))
                             for i in range(2000)))
    rare = {ch: counts[ch] for ch in MODERN_RUSSIAN if counts[ch] < 8}
    assert rare == {}


def test_mix_selects_line_kinds() -> None:
    only_dates = TextGenerator(TextParams(mix={"date": 1.0}, boost_fraction=0.0,
                                          upper_fraction=0.0), MODERN_RUSSIAN)
    texts = [only_dates.generate(np.random.default_rng(i)) for i in range(40)]
    assert all(any(ch.isdigit() for ch in t) for t in texts)


def test_fit_length_cuts_at_word_boundary() -> None:
    assert fit_length("один два три", 8) == "один два"
    assert fit_length("оченьдлинноеслово", 5) == "очень"
    assert fit_length("  а   б ", 10) == "а б"
